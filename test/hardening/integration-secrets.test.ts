import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const SLACK_URL = 'https://hooks.slack.com/services/T0000SECRET/B0000SECRET/XXXXXXXXXXXXXXXXSECRET';

describe.each(DIALECTS)('integration.connected without the settings on %s (issue 21 item 12)', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it("neither the event, its delivery nor the stream carries an integration's settings", async () => {
    const { key } = await t.signup();
    expect((await t.api('POST', '/api/webhooks', { name: 'all', url: receiver.url, events: ['integration.connected'] }, key)).status).toBe(201);
    const created = await t.api('POST', '/api/integrations', { type: 'slack', name: 'Team Slack', settings: { webhook_url: SLACK_URL, channel: '#growth' } }, key);
    expect(created.status).toBe(201);
    const integration = created.json();
    // The API itself still shows them to whoever may read integrations.
    expect(integration.settings.webhook_url).toBe(SLACK_URL);

    const event = (await expectValidEvents(t, key, ['integration.connected'])).find((e) => e.type === 'integration.connected');
    expect(event.data.integration).toEqual({ id: integration.id, type: 'slack', name: 'Team Slack', created_at: integration.created_at });
    const [delivered] = await receiver.waitForRequests(1, 15_000);
    expect(delivered!.rawBody).not.toContain('SECRET');
    expect(JSON.parse(delivered!.rawBody).data.integration).toEqual(event.data.integration);
    // The published schema promises no settings either (additional properties are refused).
    const catalog = (await t.api('GET', '/api/event-types', undefined, key)).json().data;
    const schema = catalog.find((c: any) => c.type === 'integration.connected').schema;
    expect(JSON.stringify(schema)).not.toContain('"settings"');
  });
});

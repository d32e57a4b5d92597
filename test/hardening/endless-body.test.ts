import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

describe.each(DIALECTS)('a 2xx whose body never ends on %s (issue 21 item 10)', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let key: string;

  beforeAll(async () => {
    // Answers 200 with its head at once, then one byte of body every 100 ms, forever.
    receiver = await startReceiver({ respond: () => ({ trickleMs: 100 }) });
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('is a failed attempt once the webhook timeout passes: the timeout covers the whole exchange', async () => {
    const hook = (await t.api('POST', '/api/webhooks', { name: 'trickle', url: receiver.url, events: ['link.created'], timeout_ms: 1000 }, key)).json();
    const test = await t.api('POST', `/api/webhooks/${hook.id}/test`, {}, key);
    expect(test.status, test.text).toBe(200);
    expect(test.json()).toMatchObject({ success: false, status_code: 200, error: expect.stringContaining('timeout after 1000 ms (reading the body)') });
    expect(test.json().response_time_ms).toBeLessThan(5_000);

    expect((await t.api('POST', '/api/links', { url: 'https://example.com/trickle' }, key)).status).toBe(201);
    const delivery = await until(
      'the delivery to be attempted',
      async () => (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?limit=10`, undefined, key)).json().data.find((d: any) => !d.test && d.type === 'link.created' && d.attempts_count > 0),
      20_000,
    );
    // Not "succeeded": a retry is scheduled.
    expect(delivery.status).toBe('pending');
    const detail = (await t.api('GET', `/api/deliveries/${delivery.id}`, undefined, key)).json();
    expect(detail.attempts[0]).toMatchObject({ status_code: 200, error: expect.stringContaining('timeout after 1000 ms (reading the body)') });
  });
});

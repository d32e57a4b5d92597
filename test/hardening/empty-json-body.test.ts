import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('an empty body sent as application/json on %s (issue 21 item 17)', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let key: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const empty = (path: string, rawBody = '') => http(t.url, 'POST', path, { token: key, rawBody, headers: { 'content-type': 'application/json' } });

  it('is accepted on POSTs that take no body (test, rotate-secret, replay, verify, logout)', async () => {
    const hook = (await t.api('POST', '/api/webhooks', { name: 'h', url: receiver.url, events: ['link.created'] }, key)).json();
    const test = await empty(`/api/webhooks/${hook.id}/test`);
    expect(test.status, test.text).toBe(200);
    expect(test.json().success).toBe(true);
    const rotate = await empty(`/api/webhooks/${hook.id}/rotate-secret`);
    expect(rotate.status, rotate.text).toBe(200);
    expect(rotate.json().secret).toMatch(/^whsec_/);
    const replay = await empty(`/api/deliveries/${test.json().delivery_id}/replay`, ' \r\n');
    expect(replay.status, replay.text).not.toBe(400);
    expect(replay.status).toBeLessThan(500);
    const domain = (await t.api('POST', '/api/domains', { hostname: `empty-${dialect}.example.com` }, key)).json();
    const verify = await empty(`/api/domains/${domain.id}/verify`);
    expect(verify.status, verify.text).toBe(200);
    expect((await empty('/api/auth/logout')).status).toBe(204);
  });

  it('is still a 400 in words where a body is required, and bad JSON is still bad', async () => {
    const link = await empty('/api/links');
    expect(link.status).toBe(400);
    expect(link.json().error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'Invalid request: body must be object' });
    const broken = await empty('/api/links', '{"url":');
    expect(broken.status).toBe(400);
    expect(broken.json().error.message).toMatch(/not valid JSON/);
  });
});

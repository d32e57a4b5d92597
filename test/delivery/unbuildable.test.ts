import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/**
 * A delivery whose request cannot be built (here: the stored secret is corrupt, so it cannot be
 * signed) is an attempt that failed, with the reason in the log — never a claim released and
 * retried silently at every lease expiry.
 */
describe.each(DIALECTS)('a delivery that cannot be built on %s', (dialect) => {
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

  const corruptSecret = (id: string) => sql`update webhooks set secret = 'whsec_not base64!' where id = ${id}`.execute(t.storage.db);

  it('is recorded as a failed attempt with the reason and follows the retry schedule', async () => {
    const hook = (await t.api('POST', '/api/webhooks', { name: 'bad', url: receiver.urlFor('127.0.0.1', '/bad'), events: ['link.created'], retry: { mode: 'exponential', schedule_s: [300] } }, key)).json();
    await corruptSecret(hook.id);
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/a' }, key)).status).toBe(201);

    const delivery = await until('the attempt is recorded', async () => {
      const [d] = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries`, undefined, key)).json().data;
      return d?.attempts_count === 1 ? d : null;
    });
    expect(delivery.status).toBe('pending');
    // The webhook's schedule: the next try in about 5 minutes, not at the next lease expiry.
    expect(Date.parse(delivery.next_attempt_at) - Date.now()).toBeGreaterThan(4 * 60_000);
    const detail = (await t.api('GET', `/api/deliveries/${delivery.id}`, undefined, key)).json();
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ status_code: null });
    expect(detail.attempts[0].error).toMatch(/could not be built: .*whsec_/);
    expect(receiver.requests.filter((r) => r.path === '/bad')).toHaveLength(0);
  });

  it('fails at once without retries when the webhook has retry mode none, and a test send says why', async () => {
    const hook = (await t.api('POST', '/api/webhooks', { name: 'bad2', url: receiver.urlFor('127.0.0.1', '/bad2'), events: ['link.created'], retry: { mode: 'none' } }, key)).json();
    await corruptSecret(hook.id);
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/b' }, key)).status).toBe(201);
    const delivery = await until('failed', async () => {
      const [d] = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=failed`, undefined, key)).json().data;
      return d ?? null;
    });
    expect(delivery.attempts_count).toBe(1);

    const test = await t.api('POST', `/api/webhooks/${hook.id}/test`, {}, key);
    expect(test.status).toBe(200);
    expect(test.json()).toMatchObject({ success: false, status_code: null, error: expect.stringMatching(/could not be built/) });
  });
});

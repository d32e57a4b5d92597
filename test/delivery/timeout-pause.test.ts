import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const EVENTS = 12;

/**
 * An endpoint whose sends time out is paused: its next send waits a couple of seconds (doubling
 * while it keeps timing out) and it gets one at a time, instead of a fresh connection held for the
 * whole timeout for every delivery it has due. Once it answers, it gets its deliveries at its
 * usual pace again.
 */
describe.each(DIALECTS)('an endpoint that times out on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let key: string;
  let hanging = true;

  beforeAll(async () => {
    // Hangs (past the webhook's 1 s timeout) until told otherwise; then answers after 300 ms.
    receiver = await startReceiver({ respond: () => (hanging ? { hang: true } : { delayMs: 300 }) });
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('is sent one delivery at a time, seconds apart, while it hangs; and all of them once it answers', async () => {
    const hook = await t.api('POST', '/api/webhooks', { name: 'slow', url: receiver.urlFor('127.0.0.1', '/slow'), events: ['link.created'], timeout_ms: 1000, retry: { mode: 'exponential', schedule_s: [300] } }, key);
    expect(hook.status, hook.text).toBe(201);
    const links = Array.from({ length: EVENTS }, (_, i) => ({ url: `https://example.com/pause/${i}` }));
    expect((await t.api('POST', '/api/links/bulk', { links }, key)).status).toBe(201);

    // The first sends go out together (a new endpoint's starting concurrency) and time out after 1 s.
    await until('the first sends', () => receiver.requests.length >= 2 || null, 10_000);
    const firstAt = receiver.requests[0]!.receivedAt;
    // Then 9 s of hanging: without the pause, the endpoint would get two new sends every second.
    await until('9 s of hanging', () => Date.now() - firstAt >= 9_000 || null, 15_000);
    const whileHanging = receiver.requests.map((r) => r.receivedAt);
    const after = whileHanging.filter((at) => at - firstAt > 500);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.length).toBeLessThanOrEqual(4);
    // Each later send waited for the one before to time out (1 s) and then for the pause (at least 1 s).
    const gaps = after.map((at, i) => at - (i === 0 ? firstAt : after[i - 1]!));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1_900);

    hanging = false;
    // The next send succeeds; the deliveries that never went out follow, several at a time again.
    const sent = whileHanging.length;
    await until('every delivery not yet attempted', () => receiver.requests.length >= EVENTS || null, 30_000);
    const recovered = receiver.requests.slice(sent).map((r) => r.receivedAt);
    const overlapping = recovered.filter((at, i) => i > 0 && at - recovered[i - 1]! < 250).length;
    expect(overlapping).toBeGreaterThan(0);
    // Only the attempts that timed out wait for their retry (5 min away: the webhook's own schedule,
    // since the default's first step is 5 s); all the others succeeded.
    const hookId = hook.json<{ id: string }>().id;
    const rows = () => t.storage.db.selectFrom('deliveries').select(['status', 'attempts_count']).where('webhook_id', '=', hookId).execute();
    // (Each result is written a moment after its answer arrived.)
    const counts = await until('the results written', async () => {
      const all = await rows();
      return all.filter((d) => d.status === 'succeeded').length === EVENTS - sent ? all : null;
    }, 10_000);
    expect(counts.filter((d) => d.status === 'pending' && d.attempts_count === 1)).toHaveLength(sent);
  }, 60_000);
});

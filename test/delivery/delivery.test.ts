import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { createLink as createLinkAs } from '../helpers/links.js';
import type { RetentionJob } from '../../src/retention/retention-job.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** What a receiver that checks x-linkwire-signature does: accept when any listed signature matches its secret. */
function linkwireSignatureValid(rawBody: string, header: string | undefined, secret: string): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
  return (header ?? '').split(' ').includes(expected);
}

describe.each(DIALECTS)('webhook delivery on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  let clock: ManualClock;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, {
      clock: 'manual',
      random: () => 0.5,
      config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] },
    });
    clock = t.clock as ManualClock;
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  afterEach(() => receiver.setResponder(() => ({ status: 200 })));

  const createWebhook = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/webhooks', { name: 'test', events: ['*'], url: receiver.url, ...body }, key);
    expect(res.status, res.text).toBe(201);
    return res.json();
  };
  const createLink = (body: Record<string, unknown> = {}) => createLinkAs(t, key, { url: 'https://example.com/x', ...body });
  const click = (slug: string, headers: Record<string, string> = {}) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA, ...headers } });
  const deliveriesOf = async (webhookId: string, query = '') => (await t.api('GET', `/api/webhooks/${webhookId}/deliveries?limit=100${query}`, undefined, key)).json().data;
  const requestsFor = (path: string) => receiver.requests.filter((r) => r.path === path);
  const removeWebhook = (id: string) => t.api('DELETE', `/api/webhooks/${id}`, undefined, key);

  it('delivers a click, signed so that standardwebhooks and a plain HMAC both verify it', async () => {
    const hook = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/signed'), events: ['link.clicked'] });
    const link = await createLink();
    expect((await click(link.slug)).status).toBe(302);
    const req = await until('delivery', async () => requestsFor('/signed')[0]);
    const body = JSON.parse(req.rawBody);
    // A new webhook is pinned to the newest payload version: the click carries a link summary.
    expect(hook.payload_version).toBe('2027-01-01');
    expect(req.headers['webhook-version']).toBe('2027-01-01');
    expect(body).toMatchObject({ type: 'link.clicked', workspace_id: expect.stringMatching(/^ws_/), data: { link: { id: link.id, short_url: link.short_url } } });
    expect(Object.keys(body.data.link)).toEqual(['id', 'domain', 'slug', 'url', 'short_url', 'title', 'tags']);
    expect(req.headers['webhook-id']).toBe(body.id);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^Linkwire-Webhooks\//);
    expect(req.headers['x-linkwire-event']).toBe('link.clicked');
    expect(req.headers['x-linkwire-delivery']).toMatch(/^dlv_/);
    expect(req.headers['x-linkwire-attempt']).toBe('1');
    expect(() => new Webhook(hook.secret).verify(req.rawBody, req.headers)).not.toThrow();
    const hmac = createHmac('sha256', hook.secret).update(req.rawBody).digest('hex');
    expect(req.headers['x-linkwire-signature']).toBe(`sha256=${hmac}`);
    const validator = await eventValidator(t.url, key, '2027-01-01');
    expect(validator.check(body)).toEqual([]);

    const [delivery] = await until('succeeded', async () => {
      const list = await deliveriesOf(hook.id, '&status=succeeded');
      return list.length ? list : null;
    });
    const detail = (await t.api('GET', `/api/deliveries/${delivery.id}`, undefined, key)).json();
    expect(detail).toMatchObject({ status: 'succeeded', attempts_count: 1, event_id: body.id, type: 'link.clicked' });
    expect(detail.attempts[0]).toMatchObject({ status_code: 200, error: null, response_body: 'ok' });
    expect(detail.request.body).toBe(req.rawBody);
    expect(detail.request.headers['webhook-id']).toBe(body.id);
    await removeWebhook(hook.id);
  });

  it('signs with both secrets during a rotation grace period, and only the new one without', async () => {
    const hook = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/rotate'), events: ['link.created'] });
    const graced = (await t.api('POST', `/api/webhooks/${hook.id}/rotate-secret`, { grace_period_s: 3600 }, key)).json().secret;
    await createLink();
    const first = await until('graced delivery', async () => requestsFor('/rotate')[0]);
    expect(first.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(graced).verify(first.rawBody, first.headers)).not.toThrow();
    expect(() => new Webhook(hook.secret).verify(first.rawBody, first.headers)).not.toThrow();
    // x-linkwire-signature carries both too, so a receiver checking it with either secret accepts the delivery.
    expect(first.headers['x-linkwire-signature']!.split(' ')).toHaveLength(2);
    expect(linkwireSignatureValid(first.rawBody, first.headers['x-linkwire-signature'], graced)).toBe(true);
    expect(linkwireSignatureValid(first.rawBody, first.headers['x-linkwire-signature'], hook.secret)).toBe(true);

    const fresh = (await t.api('POST', `/api/webhooks/${hook.id}/rotate-secret`, {}, key)).json().secret;
    await createLink();
    const second = await until('second delivery', async () => requestsFor('/rotate')[1]);
    expect(() => new Webhook(fresh).verify(second.rawBody, second.headers)).not.toThrow();
    expect(() => new Webhook(graced).verify(second.rawBody, second.headers)).toThrow();
    expect(() => new Webhook(hook.secret).verify(second.rawBody, second.headers)).toThrow();
    expect(linkwireSignatureValid(second.rawBody, second.headers['x-linkwire-signature'], fresh)).toBe(true);
    expect(linkwireSignatureValid(second.rawBody, second.headers['x-linkwire-signature'], graced)).toBe(false);
    await removeWebhook(hook.id);
  });

  it('retries on the default schedule with jitter, then gives up as failed', async () => {
    receiver.setResponder((r) => (r.path === '/retry' ? { status: 500, body: 'boom' } : { status: 200 }));
    const hook = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/retry'), events: ['link.created'] });
    await createLink();
    await until('attempt 1', async () => requestsFor('/retry').length >= 1);
    const pending = await until('retry scheduled', async () => {
      const [d] = await deliveriesOf(hook.id);
      return d?.attempts_count === 1 ? d : null;
    });
    expect(pending.status).toBe('pending');
    // random() = 0.5 → no jitter: exactly 5 s after the attempt, then 5 min, 30 min, 2 h, 5 h,
    // 10 h, 10 h: a receiver down overnight (about 28 h) still gets the event.
    expect(Date.parse(pending.next_attempt_at) - clock.now()).toBe(5_000);

    const steps = [[2, 5_000], [3, 300_000], [4, 1_800_000], [5, 7_200_000], [6, 18_000_000], [7, 36_000_000], [8, 36_000_000]] as const;
    for (const [step, waitMs] of steps) {
      clock.advance(waitMs - 1000);
      t.app.engine!.poke();
      await new Promise((r) => setTimeout(r, 150));
      expect(requestsFor('/retry').length, `not before step ${step} is due`).toBe(step - 1);
      clock.advance(1000);
      t.app.engine!.poke();
      await until(`attempt ${step}`, async () => requestsFor('/retry').length >= step);
      await until('recorded', async () => (await deliveriesOf(hook.id))[0]?.attempts_count === step);
    }
    const [done] = await deliveriesOf(hook.id);
    expect(done).toMatchObject({ status: 'failed', attempts_count: 8, next_attempt_at: null });
    const ids = new Set(requestsFor('/retry').map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(requestsFor('/retry').map((r) => r.headers['x-linkwire-attempt'])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    const detail = (await t.api('GET', `/api/deliveries/${done.id}`, undefined, key)).json();
    expect(detail.attempts.map((a: any) => [a.status_code, a.response_body])).toEqual(Array(8).fill([500, 'boom']));
    await removeWebhook(hook.id);
  });

  it('honours retry: none, a custom schedule and Retry-After', async () => {
    receiver.setResponder((r) => (r.path === '/none' ? { status: 503 } : r.path === '/after' ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }));
    const none = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/none'), events: ['link.created'], retry: { mode: 'none' } });
    const after = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/after'), events: ['link.created'], retry: { mode: 'exponential', schedule_s: [10, 600] } });
    await createLink();
    await until('none failed', async () => (await deliveriesOf(none.id, '&status=failed')).length === 1);
    const d = await until('after rescheduled', async () => {
      const [x] = await deliveriesOf(after.id);
      return x?.attempts_count === 1 ? x : null;
    });
    // The schedule says 10 s; Retry-After asks for 120 s, which is within the schedule's longest step.
    expect(Date.parse(d.next_attempt_at) - clock.now()).toBe(120_000);
    await removeWebhook(none.id);
    await removeWebhook(after.id);
  });

  it('times out a hanging endpoint and never follows a redirect', async () => {
    const other = await startReceiver();
    try {
      receiver.setResponder((r) =>
        r.path === '/hang' ? { hang: true } : r.path === '/moved' ? { status: 302, headers: { location: other.url } } : { status: 200 },
      );
      const slow = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/hang'), events: ['link.created'], timeout_ms: 1000, retry: { mode: 'none' } });
      const moved = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/moved'), events: ['link.created'], retry: { mode: 'none' } });
      await createLink();
      const [timedOut] = await until('timeout', async () => {
        const list = await deliveriesOf(slow.id, '&status=failed');
        return list.length ? list : null;
      });
      const slowDetail = (await t.api('GET', `/api/deliveries/${timedOut.id}`, undefined, key)).json();
      expect(slowDetail.attempts[0].error).toMatch(/time/i);
      expect(slowDetail.attempts[0].response_time_ms).toBeGreaterThanOrEqual(900);
      expect(slowDetail.attempts[0].response_time_ms).toBeLessThan(5000);
      const [redirected] = await until('redirect failed', async () => {
        const list = await deliveriesOf(moved.id, '&status=failed');
        return list.length ? list : null;
      });
      const movedDetail = (await t.api('GET', `/api/deliveries/${redirected.id}`, undefined, key)).json();
      expect(movedDetail.attempts[0]).toMatchObject({ status_code: 302 });
      expect(movedDetail.attempts[0].error).toMatch(/redirect/);
      expect(other.requests).toHaveLength(0);
      await removeWebhook(slow.id);
      await removeWebhook(moved.id);
    } finally {
      await other.close();
    }
  });

  it('disables an endpoint that answers 410, and one that failed 50 times in a row, with webhook.disabled', async () => {
    receiver.setResponder((r) => (r.path === '/gone' ? { status: 410 } : r.path === '/flaky' ? { status: 500 } : { status: 200 }));
    const gone = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/gone'), events: ['link.created'] });
    const flaky = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/flaky'), events: ['link.created'] });
    await t.storage.db.updateTable('webhooks').set({ consecutive_failures: 49, failing_since: clock.now() - 3600_000 }).where('id', '=', flaky.id).execute();
    await createLink();
    const disabled = await until('two webhook.disabled', async () => {
      const events = (await t.api('GET', '/api/events?type=webhook.disabled', undefined, key)).json().data;
      return events.length >= 2 ? events : null;
    });
    const byId = new Map(disabled.map((e: any) => [e.data.webhook.id, e.data.webhook]));
    expect(byId.get(gone.id)).toMatchObject({ active: false, disabled_reason: expect.stringMatching(/410/) });
    expect(byId.get(flaky.id)).toMatchObject({ active: false, disabled_reason: expect.stringMatching(/50 failed/) });
    const validator = await eventValidator(t.url, key);
    expect(disabled.flatMap((e: any) => validator.check(e))).toEqual([]);
    expect((await t.api('GET', `/api/webhooks/${gone.id}`, undefined, key)).json().active).toBe(false);
    // A disabled endpoint gets nothing more.
    const before = requestsFor('/gone').length;
    await createLink();
    await new Promise((r) => setTimeout(r, 300));
    expect(requestsFor('/gone').length).toBe(before);
    await removeWebhook(gone.id);
    await removeWebhook(flaky.id);
  });

  it('skips events while paused, and replays with the same webhook-id', async () => {
    const hook = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/pause'), events: ['link.created'] });
    await t.api('PATCH', `/api/webhooks/${hook.id}`, { active: false }, key);
    const skipped = await createLink();
    await new Promise((r) => setTimeout(r, 300));
    await t.api('PATCH', `/api/webhooks/${hook.id}`, { active: true }, key);
    const sent = await createLink();
    const [req] = await until('after resume', async () => (requestsFor('/pause').length ? requestsFor('/pause') : null));
    expect(JSON.parse(req!.rawBody).data.link.id).toBe(sent.id);
    expect(requestsFor('/pause').some((r) => JSON.parse(r.rawBody).data.link.id === skipped.id)).toBe(false);
    expect(await deliveriesOf(hook.id)).toHaveLength(1);

    const [delivery] = await until('succeeded', async () => {
      const list = await deliveriesOf(hook.id, '&status=succeeded');
      return list.length ? list : null;
    });
    const replay = await t.api('POST', `/api/deliveries/${delivery.id}/replay`, undefined, key);
    expect(replay.status).toBe(202);
    await until('replayed', async () => requestsFor('/pause').length >= 2);
    await until('replay recorded', async () => (await deliveriesOf(hook.id, '&status=succeeded')).length === 1);
    const bulk = await t.api('POST', `/api/webhooks/${hook.id}/replay`, { since: new Date(clock.now() - 60_000).toISOString(), status: 'succeeded' }, key);
    await until('bulk replayed', async () => requestsFor('/pause').length >= 3 || null);
    expect(bulk.json().replayed).toBe(1);
    expect(new Set(requestsFor('/pause').map((r) => r.headers['webhook-id'])).size).toBe(1);
    await removeWebhook(hook.id);
  });

  it('fires both the workspace webhook and a link webhook for one click, honouring filters', async () => {
    const link = await createLink();
    const other = await createLink();
    const all = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/all'), events: ['link.clicked'] });
    const perLink = (await t.api('POST', `/api/links/${link.id}/webhooks`, { name: 'link hook', url: receiver.urlFor('127.0.0.1', '/per-link'), events: ['link.clicked'] }, key)).json();
    const filtered = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/filtered'), events: ['link.clicked'], filter: 'data.click.country in [DE, AT]' });
    await click(link.slug, { 'x-test': '1' });
    await click(other.slug);
    await until('both', async () => requestsFor('/all').length >= 2 && requestsFor('/per-link').length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(requestsFor('/per-link').map((r) => JSON.parse(r.rawBody).data.link.id)).toEqual([link.id]);
    expect(requestsFor('/filtered')).toHaveLength(0);
    for (const id of [all.id, perLink.id, filtered.id]) await removeWebhook(id);
  });

  it('sends a test event on demand and logs it as a test delivery', async () => {
    clock.set(Date.now()); // earlier tests moved the clock hours ahead; signatures carry it
    receiver.setResponder((r) => (r.path === '/test-fail' ? { status: 500, body: 'nope' } : { status: 200, body: 'thanks' }));
    const hook = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/test-ok'), events: ['link.clicked'] });
    const ok = (await t.api('POST', `/api/webhooks/${hook.id}/test`, { type: 'domain.verified' }, key)).json();
    expect(ok).toMatchObject({ success: true, status_code: 200, error: null, response_body: 'thanks' });
    expect(ok.response_time_ms).toBeGreaterThanOrEqual(0);
    const req = requestsFor('/test-ok').at(-1)!;
    expect(JSON.parse(req.rawBody).type).toBe('domain.verified');
    expect(() => new Webhook(hook.secret).verify(req.rawBody, req.headers)).not.toThrow();
    const validator = await eventValidator(t.url, key);
    expect(validator.check(JSON.parse(req.rawBody))).toEqual([]);
    await t.api('PATCH', `/api/webhooks/${hook.id}`, { url: receiver.urlFor('127.0.0.1', '/test-fail') }, key);
    const failed = (await t.api('POST', `/api/webhooks/${hook.id}/test`, undefined, key)).json();
    expect(failed).toMatchObject({ success: false, status_code: 500, response_body: 'nope' });
    const logged = await deliveriesOf(hook.id);
    expect(logged.map((d: any) => [d.test, d.status])).toEqual([[true, 'failed'], [true, 'succeeded']]);
    expect((await t.api('POST', `/api/webhooks/${hook.id}/test`, { type: 'click' }, key)).status).toBe(400);
    await removeWebhook(hook.id);
  });

  it('purges delivery logs after the retention period', async () => {
    const hook = await createWebhook({ url: receiver.urlFor('127.0.0.1', '/retention'), events: ['link.created'] });
    await createLink();
    await until('delivered', async () => (await deliveriesOf(hook.id, '&status=succeeded')).length === 1);
    clock.advance(8 * 86_400_000);
    const retention = t.app.jobs.find((j) => j.name === 'retention') as RetentionJob;
    while ((await retention.runOnce()).more);
    expect(await deliveriesOf(hook.id)).toHaveLength(0);
    await removeWebhook(hook.id);
  });
});

describe.each(DIALECTS)('delivery-time SSRF defence on %s', (dialect) => {
  it('refuses a hostname that resolves to loopback, without connecting', async () => {
    const receiver = await startReceiver();
    const dns = await startDnsServer({ 'hooks.lw.test': { A: ['127.0.0.1'] } });
    const t = await startTestApp(dialect, { config: { dnsServer: { host: dns.host, port: dns.port } } });
    try {
      const { key } = await t.signup();
      const url = receiver.urlFor('hooks.lw.test', '/rebind');
      const created = await t.api('POST', '/api/webhooks', { name: 'rebind', url, events: ['link.created'], retry: { mode: 'none' } }, key);
      expect(created.status, created.text).toBe(201);
      const hook = created.json();
      await t.api('POST', '/api/links', { url: 'https://example.com' }, key);
      const [delivery] = await until('blocked', async () => {
        const list = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=failed`, undefined, key)).json().data;
        return list.length ? list : null;
      });
      const detail = (await t.api('GET', `/api/deliveries/${delivery.id}`, undefined, key)).json();
      expect(detail.attempts[0].status_code).toBeNull();
      expect(detail.attempts[0].error).toMatch(/blocked.*127\.0\.0\.1/);
      const testRes = await t.api('POST', `/api/webhooks/${hook.id}/test`, undefined, key);
      const test = testRes.json();
      expect(test.success, testRes.text).toBe(false);
      expect(test.error).toMatch(/blocked/);
      expect(receiver.connectionCount).toBe(0);
      expect(dns.queries.length).toBeGreaterThan(0);
      await t.api('DELETE', `/api/webhooks/${hook.id}`, undefined, key);
    } finally {
      await t.close();
      await dns.close();
      await receiver.close();
    }
  });
});

import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { LinkMonitor } from '../../src/monitoring/link-monitor.js';
import { MonitorStore } from '../../src/monitoring/monitor-store.js';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { loadTlsFixtures } from '../helpers/tls-fixtures.js';
import { createLink as createLinkAs } from '../helpers/links.js';

const MINUTE = 60_000;

interface TargetAnswer {
  status: number;
  headers?: Record<string, string>;
}

/** A monitored destination on 127.0.0.1 that can go down (stop listening) and come back on the same port. */
async function startTarget() {
  const { cert, key } = loadTlsFixtures();
  const requests: { method: string; path: string }[] = [];
  let respond: (method: string, path: string) => TargetAnswer = () => ({ status: 200 });
  const server = createHttpsServer({ cert, key }, (req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    const answer = respond(req.method ?? '', req.url ?? '');
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end('target');
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  let up = true;
  return {
    url: (path: string) => `https://127.0.0.1:${port}${path}`,
    requests,
    on: (path: string) => requests.filter((r) => r.path === path),
    setResponder(next: (method: string, path: string) => TargetAnswer) {
      respond = next;
    },
    async down() {
      if (!up) return;
      up = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    async up() {
      if (up) return;
      await listen(port);
      up = true;
    },
    close() {
      return this.down();
    },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(DIALECTS)('link monitoring on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let clock: ManualClock;
  let monitor: LinkMonitor;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let hooks: Receiver;

  beforeAll(async () => {
    target = await startTarget();
    hooks = await startReceiver();
    t = await startTestApp(dialect, { clock: 'manual', config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    clock = t.clock as ManualClock;
    ({ key } = await t.signup());
    // The app's own job, driven by hand: its timer stops, runOnce() still works.
    monitor = t.app.jobs.find((j): j is LinkMonitor => j instanceof LinkMonitor)!;
    expect(monitor).toBeDefined();
    await monitor.stop();
  });
  afterAll(async () => {
    await t?.close();
    await target?.close();
    await hooks?.close();
  });

  const createLink = (body: Record<string, unknown>) => createLinkAs(t, key, { monitor: true, ...body });
  const removeLink = async (id: string) => expect((await t.api('DELETE', `/api/links/${id}`, undefined, key)).status).toBe(204);
  const state = async (id: string) => (await t.api('GET', `/api/links/${id}/monitor`, undefined, key)).json();
  const eventsFor = async (linkId: string) =>
    (await t.api('GET', '/api/events?limit=100', undefined, key))
      .json()
      .data.filter((e: any) => (e.type === 'link.broken' || e.type === 'link.recovered') && e.data.link.id === linkId)
      .reverse();
  const deliveredCount = (hookId: string, n: number) =>
    until(`${n} succeeded deliveries`, async () => {
      const list = (await t.api('GET', `/api/webhooks/${hookId}/deliveries?status=succeeded`, undefined, key)).json().data;
      return list.length >= n;
    });
  const checkRound = async (linkId: string) => (await monitor.runOnce()).checked.filter((c) => c.linkId === linkId);

  it('fires one link.broken when the target goes down and one link.recovered when it is back', async () => {
    const hook = (
      await t.api('POST', '/api/webhooks', { name: 'health', url: hooks.urlFor('127.0.0.1', '/health'), events: ['link.broken', 'link.recovered'] }, key)
    ).json();
    const link = await createLink({ url: target.url('/up-down') });
    expect(await state(link.id)).toMatchObject({ monitor: true, status: 'pending', last_checked_at: null });

    // Healthy first check: nothing fires.
    const [first] = await checkRound(link.id);
    expect(first).toMatchObject({ status: 'healthy', event: null, result: { healthy: true, statusCode: 200, method: 'HEAD' } });
    expect(target.on('/up-down')).toEqual([{ method: 'HEAD', path: '/up-down' }]);
    expect(await state(link.id)).toMatchObject({ status: 'healthy', last_status_code: 200, last_error: null, consecutive_failures: 0 });
    expect(await checkRound(link.id)).toEqual([]); // not due again before the interval
    expect(target.on('/up-down')).toHaveLength(1);

    // A 503: one failure is not an outage yet; the confirming check comes after a minute.
    target.setResponder((_m, path) => (path === '/up-down' ? { status: 503 } : { status: 200 }));
    clock.advance(5 * MINUTE);
    expect(await checkRound(link.id)).toMatchObject([{ status: 'healthy', event: null, result: { statusCode: 503, error: 'HTTP 503' } }]);
    const suspect = await state(link.id);
    expect(suspect).toMatchObject({ status: 'healthy', consecutive_failures: 1, last_status_code: 503, last_error: 'HTTP 503' });
    expect(Date.parse(suspect.next_check_at) - clock.now()).toBe(MINUTE);

    // Now the target is gone altogether: the second failure in a row → link.broken.
    await target.down();
    clock.advance(MINUTE);
    const [broken] = await checkRound(link.id);
    expect(broken).toMatchObject({ status: 'broken', event: 'link.broken', result: { statusCode: null, errorKind: 'connect' } });
    // Let its delivery finish before the clock jumps (a jump past a delivery's lease would re-send it: at-least-once).
    await deliveredCount(hook.id, 1);
    // Still down, twice more: no more events.
    for (let i = 0; i < 2; i++) {
      clock.advance(5 * MINUTE);
      expect(await checkRound(link.id)).toMatchObject([{ status: 'broken', event: null }]);
    }
    expect(await state(link.id)).toMatchObject({ status: 'broken', consecutive_failures: 4, last_status_code: null });

    // Back up: link.recovered, once.
    await target.up();
    target.setResponder(() => ({ status: 200 }));
    clock.advance(5 * MINUTE);
    expect(await checkRound(link.id)).toMatchObject([{ status: 'healthy', event: 'link.recovered', result: { statusCode: 200 } }]);
    clock.advance(5 * MINUTE);
    expect(await checkRound(link.id)).toMatchObject([{ status: 'healthy', event: null }]);

    const events = await eventsFor(link.id);
    expect(events.map((e: any) => e.type)).toEqual(['link.broken', 'link.recovered']);
    const [brokenEvent, recoveredEvent] = events;
    expect(brokenEvent.data.check).toMatchObject({ status_code: null, error: expect.stringMatching(/^connect: /) });
    expect(brokenEvent.data.link).toMatchObject({ id: link.id, monitor: true, url: target.url('/up-down') });
    expect(recoveredEvent.data.check).toEqual({ status_code: 200, error: null, checked_at: new Date(clock.now() - 5 * MINUTE).toISOString() });
    const validator = await eventValidator(t.url, key);
    expect(events.flatMap((e: any) => validator.check(e))).toEqual([]);

    // …and each reached the subscribed webhook exactly once.
    await deliveredCount(hook.id, 2);
    const delivered = hooks.requests.filter((r) => r.path === '/health').map((r) => JSON.parse(r.rawBody));
    expect(delivered.map((b) => b.type)).toEqual(['link.broken', 'link.recovered']);
    expect(delivered.map((b) => b.id)).toEqual(events.map((e: any) => e.id));

    await removeLink(link.id);
    await t.api('DELETE', `/api/webhooks/${hook.id}`, undefined, key);
  });

  it('a new link whose first check fails is broken at once; a single blip on a healthy one fires nothing', async () => {
    target.setResponder((_m, path) => (path === '/missing' ? { status: 404 } : { status: 200 }));
    const missing = await createLink({ url: target.url('/missing') });
    const flaky = await createLink({ url: target.url('/flaky') });
    await monitor.runOnce();
    expect(await state(missing.id)).toMatchObject({ status: 'broken', last_status_code: 404, last_error: 'HTTP 404', consecutive_failures: 1 });
    expect(await state(flaky.id)).toMatchObject({ status: 'healthy' });

    target.setResponder((_m, path) => (path === '/flaky' || path === '/missing' ? { status: 500 } : { status: 200 }));
    clock.advance(5 * MINUTE);
    await monitor.runOnce();
    target.setResponder(() => ({ status: 200 }));
    clock.advance(MINUTE);
    await monitor.runOnce();
    clock.advance(4 * MINUTE);
    await monitor.runOnce();
    expect((await eventsFor(missing.id)).map((e: any) => e.type)).toEqual(['link.broken', 'link.recovered']);
    expect(await eventsFor(flaky.id)).toEqual([]);
    expect(await state(flaky.id)).toMatchObject({ status: 'healthy', consecutive_failures: 0 });
    await removeLink(missing.id);
    await removeLink(flaky.id);
  });

  it('falls back to GET when HEAD is refused, and does not follow redirects', async () => {
    target.setResponder((method, path) => {
      if (path === '/no-head') return method === 'HEAD' ? { status: 405 } : { status: 200 };
      if (path === '/moved') return { status: 301, headers: { location: 'https://127.0.0.1:1/elsewhere' } };
      return { status: 200 };
    });
    const noHead = await createLink({ url: target.url('/no-head') });
    const moved = await createLink({ url: target.url('/moved') });
    const { checked } = await monitor.runOnce();
    expect(checked.find((c) => c.linkId === noHead.id)).toMatchObject({ status: 'healthy', result: { method: 'GET', statusCode: 200 } });
    expect(target.on('/no-head').map((r) => r.method)).toEqual(['HEAD', 'GET']);
    expect(checked.find((c) => c.linkId === moved.id)).toMatchObject({ status: 'healthy', result: { method: 'HEAD', statusCode: 301 } });
    expect(target.on('/moved')).toHaveLength(1);
    expect(target.on('/elsewhere')).toHaveLength(0);
    await removeLink(noHead.id);
    await removeLink(moved.id);
  });

  it('refuses a private target before connecting, under the webhook SSRF rules', async () => {
    // 127.0.0.2 is loopback but outside the allow-list (127.0.0.1/32): a listener there must see nothing.
    const sockets: Socket[] = [];
    const listener = createTcpServer((s) => {
      sockets.push(s);
      s.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.2', resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      const link = await createLink({ url: `https://127.0.0.2:${port}/private` });
      const plainHttp = await createLink({ url: `http://127.0.0.2:${port}/private` });
      try {
        const { checked } = await monitor.runOnce();
        for (const id of [link.id, plainHttp.id]) {
          const result = checked.find((c) => c.linkId === id);
          expect(result).toMatchObject({ status: 'broken', event: 'link.broken', result: { statusCode: null, errorKind: 'blocked' } });
          expect(result!.result.error).toMatch(/blocked/);
          expect(await state(id)).toMatchObject({ status: 'broken', last_error: expect.stringMatching(/blocked/) });
        }
        expect(sockets).toHaveLength(0);
      } finally {
        await removeLink(link.id);
        await removeLink(plainHttp.id);
      }
      // The deleted links' state goes with them at the next round; nothing is checked.
      clock.advance(5 * MINUTE);
      expect((await monitor.runOnce()).checked).toEqual([]);
      expect(await t.storage.db.selectFrom('link_monitors').select('link_id').where('link_id', 'in', [link.id, plainHttp.id]).execute()).toEqual([]);
      expect(sockets).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('two workers sharing the database check each due link exactly once', async () => {
    target.setResponder(() => ({ status: 200, headers: {} }));
    const links = await Promise.all(Array.from({ length: 12 }, (_, i) => createLink({ url: target.url(`/shared-${i}`) })));
    // A second worker process: its own connection pool (or SQLite handle) on the same database.
    const otherStorage = t.database.open();
    const other = new LinkMonitor({ storage: otherStorage, clock, outbox: t.app.outbox, config: t.config }, { concurrency: 3 });
    try {
      for (let round = 0; round < 2; round++) {
        if (round > 0) clock.advance(5 * MINUTE);
        const [a, b] = await Promise.all([monitor.runOnce(), other.runOnce()]);
        const ids = [...a.checked, ...b.checked].map((c) => c.linkId).sort();
        expect(ids).toEqual(links.map((l) => l.id).sort());
        for (let i = 0; i < links.length; i++) expect(target.on(`/shared-${i}`), `round ${round}`).toHaveLength(round + 1);
      }
    } finally {
      await other.stop();
      await otherStorage.close();
    }
    for (const l of links) await removeLink(l.id);
  });

  it('a claim whose worker died is taken over once its lease runs out', async () => {
    const link = await createLink({ url: target.url('/orphaned') });
    const store = new MonitorStore(t.storage);
    await store.sync(clock.now());
    const [due] = (await store.due(clock.now(), 100)).filter((d) => d.link_id === link.id);
    // A worker claims the check and then vanishes.
    expect(await store.claim(due!, 'dead-worker', clock.now() + monitor.options.timeoutMs * 2 + 30_000)).toBe(target.url('/orphaned'));
    expect(await checkRound(link.id)).toEqual([]);
    clock.advance(monitor.options.timeoutMs * 2 + 30_000);
    expect(await checkRound(link.id)).toMatchObject([{ status: 'healthy' }]);
    expect(target.on('/orphaned')).toHaveLength(1);
    await removeLink(link.id);
  });

  it('shows monitor state cheaply, off for unmonitored links, and 404 for other workspaces', async () => {
    const plain = await createLink({ url: target.url('/plain'), monitor: false });
    expect(await state(plain.id)).toMatchObject({ link_id: plain.id, monitor: false, status: 'off', next_check_at: null });
    await monitor.runOnce();
    expect(target.on('/plain')).toHaveLength(0);

    // Switching monitoring on gets the link checked; switching it off forgets the state.
    await t.api('PATCH', `/api/links/${plain.id}`, { monitor: true }, key);
    await monitor.runOnce();
    expect(await state(plain.id)).toMatchObject({ monitor: true, status: 'healthy', last_status_code: 200 });
    await t.api('PATCH', `/api/links/${plain.id}`, { monitor: false }, key);
    expect(await state(plain.id)).toMatchObject({ status: 'off' });
    clock.advance(5 * MINUTE);
    await monitor.runOnce();
    expect(target.on('/plain')).toHaveLength(1);
    expect(await t.storage.db.selectFrom('link_monitors').select('link_id').where('link_id', '=', plain.id).execute()).toEqual([]);

    const other = await t.signup();
    const hidden = await t.api('GET', `/api/links/${plain.id}/monitor`, undefined, other.key);
    expect(hidden.status).toBe(404);
    expect(hidden.json().error.code).toBe('NOT_FOUND');
    await removeLink(plain.id);
  });
});

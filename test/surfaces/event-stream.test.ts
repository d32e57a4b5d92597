import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { openSse, type SseConnection } from '../helpers/sse.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { http } from '../helpers/http.js';
import { sleep, until } from '../helpers/wait.js';
import { startReceiver } from '../helpers/https-receiver.js';
import { parseCidr } from '../../src/net/cidr.js';

let app: TestApp | null = null;
const open: SseConnection[] = [];
const processes: ServerProcess[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.drop();
  for (const p of processes.splice(0)) await p.kill('SIGKILL');
  await app?.close();
  app = null;
});

async function stream(t: TestApp, key: string, query = '', lastEventId?: string): Promise<SseConnection> {
  const c = await openSse(`${t.url}/api/events/stream${query}`, { authorization: `Bearer ${key}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
  open.push(c);
  return c;
}

const envelopes = (c: SseConnection) => c.messages.filter((m) => m.event !== 'delivery.attempted').map((m) => JSON.parse(m.data) as { id: string; type: string; workspace_id: string; data: { link?: { url: string } } });

describe.each(DIALECTS)('GET /api/events/stream on %s', (dialect) => {
  it('streams new events with id and type, only the workspace’s own, and answers 401 without a key', async () => {
    app = await startTestApp(dialect, { streamOptions: { heartbeatMs: 100 } });
    const other = await app.signup();
    const me = await app.signup();
    const old = await app.api('POST', '/api/links', { url: 'https://example.com/before' }, me.key);
    expect(old.status).toBe(201);

    const s = await stream(app, me.key);
    expect(s.status).toBe(200);
    const created = await app.api('POST', '/api/links', { url: 'https://example.com/after' }, me.key);
    await app.api('POST', '/api/links', { url: 'https://example.com/theirs' }, other.key);
    await until('the link.created event', () => envelopes(s).length >= 1);
    await sleep(300);
    const got = envelopes(s);
    expect(got).toHaveLength(1);
    expect(got[0]!.type).toBe('link.created');
    expect(got[0]!.workspace_id).toBe(me.workspaceId);
    expect(got[0]!.data.link!.url).toBe(created.json().url);
    expect(s.messages[0]!.event).toBe('link.created');
    expect(s.messages[0]!.id).toBe(got[0]!.id);
    expect(s.raw()).toContain(': heartbeat');

    const anonymous = await openSse(`${app.url}/api/events/stream`, {});
    expect(anonymous.status).toBe(401);
    const badTypes = await app.api('GET', '/api/events/stream?types=click', undefined, me.key);
    expect(badTypes.status).toBe(400);
    expect(badTypes.json().error.message).toContain('click');
  });

  it('resumes with Last-Event-ID after a dropped connection: nothing lost, nothing repeated, while events keep coming', async () => {
    app = await startTestApp(dialect);
    const me = await app.signup();
    const first = await stream(app, me.key, '?types=link.created');

    const total = 60;
    let made = 0;
    const producer = (async () => {
      for (; made < total; made++) {
        const res = await app.api('POST', '/api/links', { url: `https://example.com/${made}` }, me.key);
        expect(res.status).toBe(201);
        if (made % 5 === 0) await sleep(5);
      }
    })();
    await until('some events on the first connection', () => envelopes(first).length >= 10);
    first.drop();
    await first.ended;
    const seenBefore = envelopes(first);
    const lastId = first.messages.at(-1)!.id!;
    // Events keep being committed while the client is away.
    await sleep(100);
    const second = await stream(app, me.key, '?types=link.created', lastId);
    await producer;
    await until('every event across both connections', () => seenBefore.length + envelopes(second).length >= total);
    await sleep(200);

    const received = [...seenBefore, ...envelopes(second)].map((e) => e.id);
    expect(new Set(received).size).toBe(received.length); // nothing repeated
    const listed = await app.api('GET', '/api/events?type=link.created&limit=100', undefined, me.key);
    const all = (listed.json().data as { id: string }[]).map((e) => e.id);
    expect(all).toHaveLength(total);
    expect([...received].sort()).toEqual([...all].sort()); // nothing lost
    expect(received).toEqual([...all].reverse()); // one transaction at a time here: commit order is id order
  });

  it('shows delivery attempts live (delivery.attempted, no id) to callers who may read webhooks', async () => {
    const receiver = await startReceiver();
    try {
      app = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
      const me = await app.signup();
      const hook = await app.api('POST', '/api/webhooks', { name: 'seen', url: receiver.url, events: ['link.created'] }, me.key);
      expect(hook.status).toBe(201);
      const s = await stream(app, me.key);
      const onlyLinks = await stream(app, me.key, '?types=link.created');
      const link = await app.api('POST', '/api/links', { url: 'https://example.com/attempted' }, me.key);
      const attempt = await until('the attempt on the stream', () => s.messages.find((m) => m.event === 'delivery.attempted'));
      const notice = JSON.parse(attempt.data) as Record<string, unknown>;
      expect(notice).toMatchObject({ webhook_id: hook.json().id, event_type: 'link.created', status: 'succeeded', status_code: 200, attempt: 1, workspace_id: me.workspaceId });
      const created = await until('the event too', () => envelopes(s).find((e) => e.type === 'link.created'));
      expect(created.data.link!.url).toBe(link.json().url);
      expect(notice.event_id).toBe(created.id);
      expect(onlyLinks.messages.some((m) => m.event === 'delivery.attempted')).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('shows delivery attempts live from a real `serve` process in the default mode (the worker in its thread)', async () => {
    const receiver = await startReceiver();
    const db = await createTestDatabase(dialect);
    try {
      // No LINKWIRE_WORKER_THREAD: deliveries are sent by the worker thread, streams served by the main one.
      const server = await startServerProcess({ LINKWIRE_DATABASE_URL: db.url, LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32' });
      processes.push(server);
      const signup = await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'attempts@example.com', password: 'a long password' } });
      const key = signup.json().api_key as string;
      const hook = await http(server.url, 'POST', '/api/webhooks', { token: key, body: { name: 'seen', url: receiver.url, events: ['link.created'] } });
      expect(hook.status).toBe(201);
      const s = await openSse(`${server.url}/api/events/stream`, { authorization: `Bearer ${key}` });
      open.push(s);
      expect(s.status).toBe(200);
      await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/threaded' } });
      await until('the receiver got the delivery', () => receiver.requests.length >= 1, 30_000);
      const attempt = await until('the attempt on the stream', () => s.messages.find((m) => m.event === 'delivery.attempted'), 15_000);
      expect(JSON.parse(attempt.data)).toMatchObject({ webhook_id: hook.json().id, event_type: 'link.created', status: 'succeeded', status_code: 200, attempt: 1 });
    } finally {
      for (const p of processes.splice(0)) await p.kill('SIGKILL');
      await receiver.close();
      await db.drop();
    }
  }, 120_000);

  it('closes open streams promptly when the app shuts down', async () => {
    app = await startTestApp(dialect);
    const me = await app.signup();
    const s = await stream(app, me.key);
    const started = Date.now();
    await app.close();
    app = null;
    await s.ended;
    expect(Date.now() - started).toBeLessThan(4000); // the server would otherwise wait out its 5 s grace
  });
});

describe('the stream on PostgreSQL, with other writers', () => {
  it('never passes an event while an older transaction may still commit one before it', async () => {
    app = await startTestApp('postgres');
    const me = await app.signup();
    const s = await stream(app, me.key, '?types=link.created');
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((r) => (releaseA = r));
    let aWritten!: () => void;
    const aHasWritten = new Promise<void>((r) => (aWritten = r));
    // A writes first (so it is the older transaction) but commits last.
    const a = app.storage.transaction(async (tx) => {
      const [e] = await app!.app.outbox.append(tx, [{ type: 'link.created', workspaceId: me.workspaceId, data: { link: { url: 'https://example.com/a' } } }]);
      aWritten();
      await aMayCommit;
      return e!.id;
    });
    await aHasWritten;
    const b = await app.storage.transaction(async (tx) => {
      const [e] = await app!.app.outbox.append(tx, [{ type: 'link.created', workspaceId: me.workspaceId, data: { link: { url: 'https://example.com/b' } } }]);
      return e!.id;
    });
    await sleep(400);
    // B is committed, but a client that saw it and resumed after it would miss A: B waits.
    expect(envelopes(s).map((e) => e.id)).toEqual([]);
    releaseA();
    const aId = await a;
    await until('both events', () => envelopes(s).length === 2);
    expect(envelopes(s).map((e) => e.id)).toEqual([aId, b]);
  });

  it('delivers events committed by another linkwire process, and resumes across them', async () => {
    app = await startTestApp('postgres');
    const me = await app.signup();
    const other = await startServerProcess({ LINKWIRE_DATABASE_URL: app.database.url, LINKWIRE_ROLE: 'api' });
    processes.push(other);
    const s = await stream(app, me.key, '?types=link.created');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await http(other.url, 'POST', '/api/links', { token: me.key, body: { url: `https://example.com/p${i}` } });
      expect(res.status, res.text).toBe(201);
      made.push(res.json().url);
    }
    await until('the other process’s events', () => envelopes(s).length === 5);
    expect(envelopes(s).map((e) => e.data.link!.url)).toEqual(made);

    s.drop();
    const lastId = s.messages.at(-1)!.id!;
    for (let i = 5; i < 8; i++) await http(other.url, 'POST', '/api/links', { token: me.key, body: { url: `https://example.com/p${i}` } });
    const resumed = await stream(app, me.key, '?types=link.created', lastId);
    await until('the events made while away', () => envelopes(resumed).length === 3);
    await sleep(200);
    expect(envelopes(resumed).map((e) => e.data.link!.url)).toEqual([5, 6, 7].map((i) => `https://example.com/p${i}`));
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { createOwnCluster, type OwnCluster } from '../helpers/pg-cluster.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { sleep, until } from '../helpers/wait.js';

const PORTS = [55433, 55434, 55435, 55436, 55437, 55438, 55439];
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' };

/**
 * PostgreSQL restarts and outages under load, against a cluster this test owns, with the roles
 * in separate processes as in the README's scale-out: api, redirect, worker.
 */
describe('a PostgreSQL restart and outage (separate api, redirect and worker processes)', () => {
  let cluster: OwnCluster | null = null;
  let receiver: Receiver | null = null;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await receiver?.close();
    await cluster?.drop();
  });

  it('no process dies, the API answers 503 + Retry-After while it is down, and everything serves again afterwards with fresh links', async () => {
    cluster = await createOwnCluster(PORTS);
    receiver = await startReceiver();
    const env = { LINKWIRE_DATABASE_URL: cluster.url, LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32', LINKWIRE_LOG_LEVEL: 'info' };
    const api = await startServerProcess({ ...env, LINKWIRE_ROLE: 'api' });
    servers.push(api);
    // A long cache lifetime: what the redirect process serves after the outage must come from resynchronising, not expiry.
    const redirect = await startServerProcess({ ...env, LINKWIRE_ROLE: 'redirect', LINKWIRE_LINK_CACHE_TTL_S: '3600' });
    const worker = await startServerProcess({ ...env, LINKWIRE_ROLE: 'worker' });
    servers.push(redirect, worker);

    const key = (await http(api.url, 'POST', '/api/auth/signup', { body: { email: 'outage@example.com', password: 'a long password' } })).json().api_key as string;
    const hook = await http(api.url, 'POST', '/api/webhooks', { token: key, body: { name: 'outage', url: receiver.url, events: ['link.created'], timeout_ms: 2000 } });
    expect(hook.status, hook.text).toBe(201);
    const edited = (await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/one', slug: 'edit-me' } })).json();
    const deleted = (await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/gone', slug: 'delete-me' } })).json();
    const location = async (slug: string) => {
      const res = await http(redirect.url, 'GET', `/${slug}`, { headers: BROWSER });
      return res.status === 302 ? res.headers.location : res.status;
    };
    // The redirect process now holds all three in its cache, the last one as "not found".
    expect(await location('edit-me')).toBe('https://example.com/one');
    expect(await location('delete-me')).toBe('https://example.com/gone');
    expect(await location('born-later')).toBe(404);
    await receiver.waitForRequests(2, 10_000);

    // 1. A restart under load: redirects (counted clicks), API reads and writes, deliveries, all in flight.
    let stop = false;
    const statuses: number[] = [];
    const traffic = async (fn: () => Promise<number>) => {
      while (!stop) statuses.push(await fn().catch(() => -1));
    };
    const load = [
      ...Array.from({ length: 4 }, () => traffic(async () => (await http(redirect.url, 'GET', '/edit-me', { headers: BROWSER })).status)),
      ...Array.from({ length: 2 }, () => traffic(async () => (await http(api.url, 'GET', '/api/links', { token: key })).status)),
      traffic(async () => (await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/load' } })).status),
    ];
    await sleep(500);
    await cluster.restart();
    await sleep(1000);
    stop = true;
    await Promise.all(load);
    for (const s of servers) expect(s.child.exitCode, s.output().slice(-2000)).toBeNull();
    // Requests caught by the restart fail (503), they do not hang or crash; nothing answers 500.
    expect(statuses.filter((s) => s === 500 || s === -1)).toEqual([]);
    expect(statuses.filter((s) => s === 201 || s === 200 || s === 302).length).toBeGreaterThan(0);
    for (const s of servers) await until(`${s.url} healthy again`, async () => (await http(s.url, 'GET', '/healthz')).status === 200, 20_000);

    // 2. An outage: the database stays down for several seconds.
    await cluster.stop();
    const down = await http(api.url, 'GET', '/api/links', { token: key });
    expect(down.status).toBe(503);
    expect(down.json().error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(down.headers['retry-after'])).toBeGreaterThan(0);
    const write = await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/x' } });
    expect(write.status).toBe(503);
    const health = await http(api.url, 'GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ database: 'down' });
    const ready = await http(api.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false });
    // An uncached slug cannot be looked up: 503 with Retry-After, not a hang or a 500.
    const uncached = await http(redirect.url, 'GET', '/never-seen', { headers: BROWSER });
    expect(uncached.status).toBe(503);
    expect(uncached.headers['retry-after']).toBeDefined();
    const workerLogBefore = worker.output().length;
    await sleep(4000); // long enough for several failed LISTEN reconnects and many would-be worker ticks
    // Background loops back off and say so once, not once per tick.
    const outageLog = worker.output().slice(workerLogBefore);
    expect(outageLog.split('\n').filter((l) => l.trim() !== '').length, outageLog).toBeLessThanOrEqual(6);
    await cluster.start();
    for (const s of servers) await until(`${s.url} healthy after the outage`, async () => (await http(s.url, 'GET', '/healthz')).status === 200, 20_000);
    expect((await http(api.url, 'GET', '/readyz')).status).toBe(200);

    // 3. Changes made after the outage reach the redirect process's cache: LISTEN is back.
    expect((await http(api.url, 'PATCH', `/api/links/${edited.id}`, { token: key, body: { url: 'https://example.com/two' } })).status).toBe(200);
    expect((await http(api.url, 'DELETE', `/api/links/${deleted.id}`, { token: key })).status).toBe(204);
    expect((await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/new', slug: 'born-later' } })).status).toBe(201);
    await until('edited link redirects to its new target', async () => (await location('edit-me')) === 'https://example.com/two', 20_000);
    await until('deleted link is gone', async () => (await location('delete-me')) === 404, 5000);
    await until('a slug first seen as 404 redirects once created', async () => (await location('born-later')) === 'https://example.com/new', 5000);

    // The worker works again too: the new link's event is delivered.
    await until('link.created of born-later delivered', () => receiver!.requests.some((r) => r.rawBody.includes('"born-later"')), 20_000);
    for (const s of servers) expect(s.child.exitCode, s.output().slice(-2000)).toBeNull();
    // The LISTEN connection says when it is lost and when it is back: once per outage, not per retry.
    const count = (text: string) => redirect.output().split(text).length - 1;
    expect(count('database notifications lost')).toBe(2); // the restart and the outage
    expect(count('database notifications restored')).toBe(2);
  }, 120_000);
});

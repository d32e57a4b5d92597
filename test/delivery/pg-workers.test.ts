import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';


/** The scale-out mode: separate api and worker processes on one PostgreSQL. */
describe('two worker processes on PostgreSQL', () => {
  let db: TestDatabase | null = null;
  let receiver: Receiver | null = null;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  async function backlog(env: Record<string, string>, events: number, email: string): Promise<void> {
    const api = await startServerProcess({ ...env, LINKWIRE_ROLE: 'api' });
    servers.push(api);
    const key = (await http(api.url, 'POST', '/api/auth/signup', { body: { email, password: 'a long password' } })).json().api_key;
    const hook = await http(api.url, 'POST', '/api/webhooks', { token: key, body: { name: 'shared', url: receiver!.url, events: ['link.created'], timeout_ms: 1000 } });
    expect(hook.status, hook.text).toBe(201);
    for (let i = 0; i < events; i += 1000) {
      await http(api.url, 'POST', '/api/links/bulk', { token: key, body: { links: Array.from({ length: Math.min(1000, events - i) }, (_, n) => ({ url: `https://example.com/${i + n}` })) } });
    }
    await api.kill();
  }

  const attemptsByWorker = async () => {
    const storage = db!.open();
    try {
      const rows = await storage.db
        .selectFrom('delivery_attempts')
        .select(['worker_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('worker_id')
        .execute();
      return new Map(rows.map((r) => [r.worker_id, Number(r.n)]));
    } finally {
      await storage.close();
    }
  };

  it('share a backlog without sending anything twice, and a killed one hands its work over', async () => {
    db = await createTestDatabase('postgres');
    receiver = await startReceiver({ respond: () => ({ status: 200, delayMs: 20 }) });
    const env = { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32', LINKWIRE_DELIVERY_LEASE_MS: '3000', LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS: '1000' };
    await backlog(env, 3000, 'share@example.com');

    // Started together: one started after the other was up could find the backlog already drained.
    const [a, b] = await Promise.all([startServerProcess({ ...env, LINKWIRE_ROLE: 'worker' }), startServerProcess({ ...env, LINKWIRE_ROLE: 'worker' })]);
    servers.push(a, b);
    await until('all 3000 delivered', () => new Set(receiver!.requests.map((r) => r.headers['webhook-id'])).size === 3000, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: got ${new Set(receiver!.requests.map((r) => r.headers['webhook-id'])).size}; a: ${a.output().slice(-1500)}; b: ${b.output().slice(-1500)}`);
    });
    await until('all 3000 recorded', async () => [...(await attemptsByWorker()).values()].reduce((a, b) => a + b, 0) >= 3000, 30_000);
    expect(receiver.requests).toHaveLength(3000); // no lease expired, so nothing was sent twice
    const shares = await attemptsByWorker();
    expect(shares.size).toBe(2);
    for (const n of shares.values()) expect(n).toBeGreaterThan(300);

    // Now kill one worker in the middle of a second backlog: the survivor takes over its claims once their leases expire.
    await b.kill('SIGKILL');
    receiver.requests.length = 0;
    const c = await startServerProcess({ ...env, LINKWIRE_ROLE: 'worker' });
    servers.push(c);
    await backlog(env, 2000, 'handover@example.com');
    await until('deliveries under way', () => receiver!.requests.length >= 300, 30_000);
    await c.kill('SIGKILL');
    const storage = db.open();
    // What was in flight when it died: claimed and not yet recorded (an upper bound on what may repeat).
    const leased = await storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').where('lease_owner', 'is not', null).executeTakeFirstOrThrow();
    await storage.close();
    await until('survivor delivered everything', () => new Set(receiver!.requests.map((r) => r.headers['webhook-id'])).size === 2000, 60_000).catch(async (err: unknown) => {
      const storage = db!.open();
      const rows = await storage.db.selectFrom('deliveries').select(['status', 'lease_owner', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['status', 'lease_owner']).execute();
      await storage.close();
      throw new Error(`${(err as Error).message}: got ${new Set(receiver!.requests.map((r) => r.headers['webhook-id'])).size}; ${JSON.stringify(rows)}; a: ${a.output().slice(-1500)}`);
    });
    const duplicates = receiver.requests.length - 2000;
    expect(duplicates).toBeLessThanOrEqual(Number(leased.n));
  }, 180_000);
});

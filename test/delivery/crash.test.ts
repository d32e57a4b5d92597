import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

const EVENTS = 2000;

describe.each(DIALECTS)('a delivering server killed with SIGKILL on %s', (dialect) => {
  let db: TestDatabase | null = null;
  let receiver: Receiver | null = null;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  it('delivers every event at least once after a restart, with duplicates bounded by what was in flight', async () => {
    db = await createTestDatabase(dialect);
    receiver = await startReceiver({ respond: () => ({ status: 200, delayMs: 5 }) });
    const env = {
      LINKWIRE_DATABASE_URL: db.url,
      LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32',
      // Short enough that a dead PostgreSQL worker's leases run out within the test; the timeout long
      // enough that a send on a CPU-saturated box (the whole suite in parallel) is not a timeout,
      // whose retry would be 5 minutes away (with 1 s, 26 of 2 000 timed out under 3 busy loops).
      LINKWIRE_DELIVERY_LEASE_MS: '10000', LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS: '5000',
    };
    const first = await startServerProcess({ ...env, LINKWIRE_ROLE: 'api' });
    servers.push(first);
    const key = (await http(first.url, 'POST', '/api/auth/signup', { body: { email: `crash-${dialect}@example.com`, password: 'a long password' } })).json().api_key;
    const hook = await http(first.url, 'POST', '/api/webhooks', { token: key, body: { name: 'crash', url: receiver.url, events: ['link.created'], timeout_ms: 5000 } });
    expect(hook.status, hook.text).toBe(201);
    for (let i = 0; i < EVENTS; i += 1000) {
      const res = await http(first.url, 'POST', '/api/links/bulk', { token: key, body: { links: Array.from({ length: 1000 }, (_, n) => ({ url: `https://example.com/${i + n}` })) } });
      expect(res.status).toBe(201);
    }
    await first.kill();

    const worker = await startServerProcess({ ...env, LINKWIRE_ROLE: 'worker' });
    servers.push(worker);
    await until('deliveries under way', () => receiver!.requests.length >= 400, 30_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; worker said: ${worker.output().slice(-2000)}`);
    });
    await worker.kill('SIGKILL');
    // What was in flight: claimed by the dead worker and not yet recorded. Only these may be sent twice.
    const inFlight = await leasedCount(db);
    const beforeCrash = receiver.requests.length;
    expect(beforeCrash).toBeLessThan(EVENTS);

    servers.push(await startServerProcess({ ...env, LINKWIRE_ROLE: 'worker' }));
    const expected = new Set((await listEventIds(db)).values());
    expect(expected.size).toBe(EVENTS);
    await until('every event delivered', () => expected.size > 0 && [...expected].every((id) => seen(receiver!).has(id)), 60_000);
    const duplicates = receiver.requests.length - seen(receiver).size;
    expect(inFlight).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
  }, 120_000);
});

function seen(receiver: Receiver): Set<string> {
  return new Set(receiver.requests.map((r) => r.headers['webhook-id']!));
}

async function leasedCount(db: TestDatabase): Promise<number> {
  const storage = db.open();
  try {
    const row = await storage.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .where('lease_owner', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await storage.close();
  }
}

async function listEventIds(db: TestDatabase): Promise<string[]> {
  const storage = db.open();
  try {
    return (await storage.db.selectFrom('events').select('id').where('type', '=', 'link.created').execute()).map((r) => r.id);
  } finally {
    await storage.close();
  }
}

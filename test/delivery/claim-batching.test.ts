import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/runtime/clock.js';
import { createDeliveryEngine, type DeliveryEngine } from '../../src/delivery/engine.js';
import { Outbox } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { TargetClient, TargetRequest, TargetResponse } from '../../src/outbound/target-client.js';
import { openPostgres } from '../../src/storage/postgres.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { setUpThroughApi } from '../helpers/api-setup.js';
import { until } from '../helpers/wait.js';

const OK: TargetResponse = { statusCode: 200, headers: {}, body: '', responseTimeMs: 1, error: null, errorKind: null, remoteAddress: '127.0.0.1' };

/**
 * A backlog of link.created events for `hooks` webhooks (the API role only: nothing is fanned out
 * yet), then a storage handle that tells every statement it runs.
 */
async function backlog(database: TestDatabase, hooks: string[], events: number): Promise<{ hookIds: Map<string, string> }> {
  return setUpThroughApi(database, 'batching@example.com', async ({ api }) => {
    const hookIds = new Map<string, string>();
    for (const name of hooks) {
      const res = await api('POST', '/api/webhooks', { name, url: `https://127.0.0.1:9/${name}`, events: ['link.created'] });
      expect(res.status, res.text).toBe(201);
      hookIds.set(name, res.json<{ id: string }>().id);
    }
    const links = Array.from({ length: events }, (_, i) => ({ url: `https://example.com/${i}` }));
    expect((await api('POST', '/api/links/bulk', { links })).status).toBe(201);
    return { hookIds };
  });
}

function engineOn(storage: Storage, client: TargetClient): DeliveryEngine {
  const ids = createIdSource();
  return createDeliveryEngine({ storage, clock: systemClock, ids, outbox: new Outbox(ids, systemClock), client, random: () => 0.5, onError: () => undefined });
}

async function countWhere(storage: Storage, webhookId: string, what: 'succeeded' | 'leased'): Promise<number> {
  let q = storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('webhook_id', '=', webhookId);
  q = what === 'succeeded' ? q.where('status', '=', 'succeeded') : q.where('status', '=', 'pending').where('lease_owner', 'is not', null);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

describe.each(DIALECTS)('claims and result writes in batches on %s', (dialect) => {
  let database: TestDatabase | null = null;
  let storage: Storage | null = null;
  let engine: DeliveryEngine | null = null;
  afterEach(async () => {
    for (const job of engine?.jobs ?? []) await job.stop();
    await storage?.close();
    await database?.drop();
    engine = storage = database = null;
  });

  function open(db: TestDatabase, onQuery?: (sql: string) => void): Storage {
    const path = db.url.slice('sqlite:'.length);
    return dialect === 'sqlite' ? openSqlite(path, onQuery ? { onQuery } : {}) : openPostgres(db.url, onQuery ? { onQuery } : {});
  }

  it('drains a backlog for five endpoints with one claim statement per round and a few statements per hundred deliveries', async () => {
    database = await createTestDatabase(dialect);
    const names = ['a', 'b', 'c', 'd', 'e'];
    const { hookIds } = await backlog(database, names, 200);
    const statements: string[] = [];
    storage = open(database, (sql) => statements.push(sql.replace(/\s+/g, ' ').trim().toLowerCase()));
    const client: TargetClient = { send: () => new Promise((resolve) => setImmediate(() => resolve(OK))), close: () => Promise.resolve() };
    engine = engineOn(storage, client);
    for (const job of engine.jobs) await job.start();
    const s = storage;
    await until('every delivery succeeded', async () => {
      for (const id of hookIds.values()) if ((await countWhere(s, id, 'succeeded')) < 200) return false;
      return true;
    }, 30_000);

    const deliveries = 200 * names.length;
    // Claims: one UPDATE … RETURNING per round, covering every endpoint with room (not one per endpoint).
    const claims = statements.filter((q) => q.includes('set lease_until =') && q.includes('lease_owner =') && !q.includes('lease_until = null'));
    const endpointProbes = statements.filter((q) => q.startsWith('select w.id from webhooks'));
    expect(claims.length).toBeGreaterThan(0);
    if (dialect === 'postgres') {
      // The whole round is that one statement: which endpoints have work due, the claim, their events and webhooks.
      expect(endpointProbes).toEqual([]);
      expect(claims.length).toBeLessThan(deliveries / 20);
    } else {
      expect(claims.length).toBeLessThanOrEqual(endpointProbes.length);
    }
    // Everything the engine ran — fan-out, claims, result writes, BEGIN/COMMIT — per delivery.
    // Measured here: 0.61 (SQLite) and 0.14 (PostgreSQL) before claims and results were batched
    // across endpoints, 0.23 and 0.10 after; on PostgreSQL 0.06 once a claim round and a batch of
    // successes became one statement each.
    expect(statements.length / deliveries).toBeLessThan(dialect === 'sqlite' ? 0.4 : 0.085);
  }, 60_000);

  it('hands nothing over when a delivery for one of the events existed already, and sends each event once', async () => {
    database = await createTestDatabase(dialect);
    const { hookIds } = await backlog(database, ['a'], 5);
    storage = open(database);
    const hookId = hookIds.get('a')!;
    // A delivery for the first event is there before fan-out runs (written by an earlier, interrupted pass).
    const first = await storage.db.selectFrom('events').select(['id', 'workspace_id', 'type']).where('type', '=', 'link.created').orderBy('id').limit(1).executeTakeFirstOrThrow();
    const now = Date.now();
    await storage.db
      .insertInto('deliveries')
      .values({ id: 'dlv_already_there', workspace_id: first.workspace_id, webhook_id: hookId, event_id: first.id, event_type: first.type, status: 'pending', attempts_count: 0, next_attempt_at: now, lease_until: null, lease_owner: null, is_test: 0, body: null, created_at: now, updated_at: now })
      .execute();
    const sent: Record<string, string>[] = [];
    const client: TargetClient = { send: (request: TargetRequest) => (sent.push(request.headers), Promise.resolve(OK)), close: () => Promise.resolve() };
    engine = engineOn(storage, client);
    for (const job of engine.jobs) await job.start();
    const s = storage;
    await until('every delivery succeeded', async () => (await countWhere(s, hookId, 'succeeded')) === 5 || null, 30_000);
    await new Promise((r) => setTimeout(r, 200));

    // No send for a delivery that is not in the database, none twice, nothing left leased.
    const rows = await storage.db.selectFrom('deliveries').select('id').where('webhook_id', '=', hookId).execute();
    expect(rows.map((r) => r.id)).toContain('dlv_already_there');
    expect(new Set(sent.map((h) => h['x-linkwire-delivery']))).toEqual(new Set(rows.map((r) => r.id)));
    expect(sent).toHaveLength(5);
    expect(await countWhere(s, hookId, 'leased')).toBe(0);
  }, 60_000);

  it('never claims more of a hanging endpoint than its few slots can use, while a healthy one drains', async () => {
    database = await createTestDatabase(dialect);
    const { hookIds } = await backlog(database, ['healthy', 'dead'], 300);
    storage = open(database);
    const held: ((r: TargetResponse) => void)[] = [];
    const client: TargetClient = {
      send: (request: TargetRequest) =>
        new Promise((resolve) => {
          if (request.url.endsWith('/dead')) held.push(resolve); // accepts and never answers (until the test ends)
          else setImmediate(() => resolve(OK));
        }),
      close: () => Promise.resolve(),
    };
    engine = engineOn(storage, client);
    for (const job of engine.jobs) await job.start();
    const s = storage;
    await until('the healthy endpoint drained', async () => (await countWhere(s, hookIds.get('healthy')!, 'succeeded')) === 300, 30_000);
    // Some more rounds of polling and pokes while the dead endpoint still hangs.
    for (let i = 0; i < 5; i++) engine.poke();
    await new Promise((r) => setTimeout(r, 300));

    // The dead endpoint holds its unproven cap (2) in flight plus what is queued behind them: a few
    // rows leased, the other ~290 left alone for whoever can send them.
    expect(held.length).toBe(2);
    const leased = await countWhere(s, hookIds.get('dead')!, 'leased');
    expect(leased).toBeGreaterThanOrEqual(2);
    expect(leased).toBeLessThanOrEqual(8);
    for (const resolve of held) resolve(OK);
  }, 60_000);
});

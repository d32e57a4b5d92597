import { CompiledQuery, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDue, POSTGRES_CLAIM_ROUND, sqliteText } from '../../src/delivery/sql/claim.js';
import { markSucceeded } from '../../src/delivery/sql/succeed.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

const DEEP = 20_000;
const SHALLOW = 300;
/** Fan-out gives every delivery of one batch the same due time: ties are the normal case. */
const PER_BATCH = 500;
const T0 = 1_700_000_000_000;

/**
 * Seeds pending deliveries straight into the tables (the API would take minutes for 20 000):
 * endpoint `deep` with DEEP of them, `shallow` with SHALLOW, due in fan-out-sized groups.
 */
async function seed(storage: Storage): Promise<void> {
  const { db, dialect } = storage;
  for (const id of ['deep', 'shallow']) {
    await sql`insert into webhooks (id, workspace_id, name, url, events, active, timeout_ms, retry, format, headers, secret, consecutive_failures, created_at, updated_at)
      values (${id}, 'ws_1', ${id}, ${`https://127.0.0.1:9/${id}`}, '["link.created"]', 1, 10000, '{"mode":"exponential"}', 'standard', '{}', 'whsec_x', 0, 0, 0)`.execute(db);
  }
  // n = 1 … DEEP + SHALLOW; the first DEEP belong to `deep`.
  const series =
    dialect === 'postgres'
      ? sql`select g as n from generate_series(1, ${sql.lit(DEEP + SHALLOW)}) g`
      : sql`with recursive s(n) as (select 1 union all select n + 1 from s where n < ${sql.lit(DEEP + SHALLOW)}) select n from s`;
  const pad = (n: string) => (dialect === 'postgres' ? sql.raw(`lpad(${n}::text, 8, '0')`) : sql.raw(`printf('%08d', ${n})`));
  await sql`insert into events (id, workspace_id, type, link_id, timestamp, data)
    select 'evt_' || ${pad('n')}, 'ws_1', 'link.created', 'lnk_1', ${sql.lit(T0)}, '{}' from (${series}) s`.execute(db);
  await sql`insert into deliveries (id, workspace_id, webhook_id, event_id, event_type, status, attempts_count, next_attempt_at, is_test, created_at, updated_at)
    select 'dlv_' || ${pad('n')}, 'ws_1', case when n <= ${sql.lit(DEEP)} then 'deep' else 'shallow' end, 'evt_' || ${pad('n')}, 'link.created', 'pending', 0,
      ${sql.lit(T0)} + (n / ${sql.lit(PER_BATCH)}), 0, ${sql.lit(T0)}, ${sql.lit(T0)} from (${series}) s`.execute(db);
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan read from `deliveries`: returned by its scans plus those its filters dropped. */
function readFromDeliveries(node: PlanNode): number {
  let rows = 0;
  if (node['Relation Name'] === 'deliveries' && node['Node Type'].includes('Scan')) {
    rows += (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'];
  }
  for (const child of node.Plans ?? []) rows += readFromDeliveries(child);
  return rows;
}

describe.each(DIALECTS)('claiming from a deep backlog on %s', (dialect) => {
  let database: TestDatabase | null = null;
  let storage: Storage | null = null;
  afterEach(async () => {
    await storage?.close();
    await database?.drop();
    storage = database = null;
  });

  it('claims the oldest due deliveries of each endpoint, and keeps doing so as the backlog drains', async () => {
    database = await createTestDatabase(dialect);
    storage = database.open();
    await storage.migrate();
    await seed(storage);
    const now = T0 + 1_000_000;

    // Drain the front of the deep backlog in claim-sized steps, as the worker does (their index entries stay behind as dead rows on PostgreSQL).
    const seen = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const { deliveries } = await claimDue(storage, [{ endpoint: 'deep', limit: 64 }, { endpoint: 'shallow', limit: 8 }], 'w1', now, now + 60_000);
      const deep = deliveries.filter((d) => d.webhook_id === 'deep').map((d) => d.id).sort();
      const shallow = deliveries.filter((d) => d.webhook_id === 'shallow').map((d) => d.id).sort();
      // Oldest first: the deep endpoint's next 64 in (due, id) order, and the shallow one's next 8.
      expect(deep).toEqual(Array.from({ length: 64 }, (_, i) => `dlv_${String(round * 64 + i + 1).padStart(8, '0')}`));
      expect(shallow).toEqual(Array.from({ length: 8 }, (_, i) => `dlv_${String(DEEP + round * 8 + i + 1).padStart(8, '0')}`));
      for (const d of deliveries) {
        expect(seen.has(d.id)).toBe(false);
        seen.add(d.id);
      }
      await markSucceeded(storage, deliveries.map((d) => d.id), 'w1', now);
    }
    // Rows held by another worker's lease are passed over, not claimed twice.
    const held = await claimDue(storage, [{ endpoint: 'deep', limit: 10 }], 'w2', now, now + 60_000);
    const next = await claimDue(storage, [{ endpoint: 'deep', limit: 10 }], 'w3', now, now + 60_000);
    expect(next.deliveries.map((d) => d.id).filter((id) => held.deliveries.some((h) => h.id === id))).toEqual([]);
  }, 60_000);

  it('reads only the rows it claims, however deep the backlog (no scan or sort of the whole queue)', async () => {
    database = await createTestDatabase(dialect);
    storage = database.open();
    await storage.migrate();
    await seed(storage);
    const now = T0 + 1_000_000;
    // Some of the front already sent: their old index entries are still there (no vacuum has run).
    const first = await claimDue(storage, [{ endpoint: 'deep', limit: 500 }], 'w1', now, now + 60_000);
    await markSucceeded(storage, first.deliveries.map((d) => d.id), 'w1', now);

    if (dialect === 'postgres') {
      // EXPLAIN ANALYZE runs the claim: inside a transaction that is then rolled back (by throwing).
      let plan: PlanNode | null = null;
      const rollback = new Error('rollback');
      await storage
        .transaction(async (tx) => {
          const { rows } = await tx.db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            // The worker's round: `deep` at its grown room, every other active endpoint at the starting room.
            CompiledQuery.raw(`explain (analyze, format json) ${POSTGRES_CLAIM_ROUND}`, [now + 60_000, 'w2', now, ['deep'], [64], 4, [], 1000]),
          );
          plan = rows[0]!['QUERY PLAN'][0].Plan;
          throw rollback;
        })
        .catch((err: unknown) => {
          if (err !== rollback) throw err;
        });
      expect(plan).not.toBeNull();
      // 68 claimed: the scans may touch a few more (the pkey probes of the update), never the 19 500
      // behind them (the old index, without `id`, had the whole due queue read and sorted: 19 864 rows).
      expect(readFromDeliveries(plan!)).toBeLessThan(68 * 4);
    } else {
      const parameters = [now + 60_000, 'w2', now, 'deep', now, now, 32, 'shallow', now, now, 32];
      const plan = await storage.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${sqliteText(2)}`, parameters));
      const detail = plan.rows.map((r) => r.detail);
      // The order (due, id) comes from the index: no temporary b-tree that would first collect the whole queue.
      expect(detail.join(' | ')).not.toMatch(/TEMP B-TREE/);
      expect(detail.join(' | ')).toMatch(/USING INDEX \w+ \(webhook_id=\? AND next_attempt_at<\?\)/);
    }
  }, 60_000);
});

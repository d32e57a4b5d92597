import type { StoredEvent } from '../../events/outbox.js';
import type { DeliveryTable, WebhookTable } from '../../storage/schema.js';
import { runText, textPerDialect } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

export interface ClaimWant {
  endpoint: string;
  /** Claim at most this many of its due deliveries (the room its queue has). */
  limit: number;
}

export interface Claimed {
  deliveries: DeliveryTable[];
  /** The claimed deliveries' events, when the claim read them in the same statement (PostgreSQL); else null. */
  events: Map<string, StoredEvent> | null;
}

/** Endpoints per SQLite claim statement; a shorter list is padded (limit 0) to 1, 2, 4, 8 or 16, so there are five statement texts. */
const SQLITE_MAX_ENDPOINTS = 16;

/**
 * Claims, in one statement, up to `limit` due deliveries of each endpoint (oldest due first), with
 * a lease until `leaseUntil`, and answers the claimed rows. Only the endpoints asked for are
 * read, each through its own index range, so a saturated endpoint's backlog is never scanned or
 * locked. Rows another worker is claiming right now are skipped, not waited for (FOR UPDATE SKIP
 * LOCKED where several processes share the database).
 */
export async function claimDue(on: Queryable, wants: readonly ClaimWant[], owner: string, now: number, leaseUntil: number): Promise<Claimed> {
  const list = wants.filter((w) => w.limit > 0);
  if (list.length === 0) return { deliveries: [], events: null };
  if (on.sql.dataModifyingCtes) return claimRound(on, { known: list, otherLimit: 0, excluding: [], total: list.reduce((n, w) => n + w.limit, 0) }, owner, now, leaseUntil);
  const deliveries: DeliveryTable[] = [];
  for (let i = 0; i < list.length; i += SQLITE_MAX_ENDPOINTS) {
    deliveries.push(...(await claimSqlite(on, list.slice(i, i + SQLITE_MAX_ENDPOINTS), owner, now, leaseUntil)));
  }
  return { deliveries, events: null };
}

const sqliteTexts = new Map<number, string>();

/** The SQLite claim's text for `slots` endpoints (exported for the plan test). */
export function sqliteText(slots: number): string {
  let text = sqliteTexts.get(slots);
  if (text === undefined) {
    // lease_until, owner, now; then (endpoint, now, now, limit) per slot.
    const part =
      "select id from (select id from deliveries where webhook_id = ? and status = 'pending' and next_attempt_at <= ? " +
      'and (lease_until is null or lease_until < ?) order by next_attempt_at, id limit ?)';
    text = `update deliveries set lease_until = ?, lease_owner = ?, updated_at = ? where id in (${Array.from({ length: slots }, () => part).join(' union all ')}) returning *`;
    sqliteTexts.set(slots, text);
  }
  return text;
}

async function claimSqlite(on: Queryable, wants: readonly ClaimWant[], owner: string, now: number, leaseUntil: number): Promise<DeliveryTable[]> {
  let slots = 1;
  while (slots < wants.length) slots *= 2;
  const parameters: unknown[] = [leaseUntil, owner, now];
  for (let i = 0; i < slots; i++) {
    const want = wants[i];
    parameters.push(want ? want.endpoint : '', now, now, want ? want.limit : 0);
  }
  return runText<DeliveryTable>(on.db, sqliteText(slots), parameters);
}

type ClaimedRow = DeliveryTable & { ev_id: string | null; ev_type: string | null; ev_timestamp: number | null; ev_workspace_id: string | null; ev_data: string | null; ev_actor: string | null };

const EVENTS_BY_IDS = textPerDialect((sql) => `select id, type, timestamp, workspace_id, data, actor from events_full where id in ${sql.idList(1)}`);

/** The events with these ids (one statement; the worker's claim on SQLite reads them this way). */
export async function eventsByIds(on: Queryable, ids: readonly string[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  return runText<StoredEvent>(on.db, EVENTS_BY_IDS(on.sql), [on.sql.idListValue(ids)]);
}

/** What a whole claim round asks for on PostgreSQL (see claimRound). */
export interface ClaimRoundWants {
  /** Endpoints whose room is not `otherLimit` (their cap is known, or they hold work), with that room. */
  known: readonly ClaimWant[];
  /** The room of every other active endpoint (one it holds nothing for, at the starting cap). */
  otherLimit: number;
  /** Endpoints not to claim for at all (their queue is full). */
  excluding: readonly string[];
  /** At most this many in all. */
  total: number;
}

export interface ClaimedRound extends Claimed {
  events: Map<string, StoredEvent>;
  /** The claimed deliveries' webhooks, as stored. */
  webhooks: WebhookTable[];
}

/**
 * PostgreSQL: a whole claim round in one statement. Every active endpoint not excluded is
 * claimed for up to its room (oldest due first, SKIP LOCKED), through its own range of the
 * pending index, so an endpoint with nothing due costs one index probe; the claimed rows come back
 * with their events and, once per endpoint, its webhook row. Three round trips (which endpoints
 * have work due, the claim, their webhooks) become one.
 */
export const POSTGRES_CLAIM_ROUND = `
with wants as (
  select h.id as endpoint, coalesce(k.lim, $6::int) as lim
  from webhooks h left join unnest($4::text[], $5::int[]) as k(endpoint, lim) on k.endpoint = h.id
  where h.active = 1 and h.id <> all($7::text[])
), claimed as (
  update deliveries set lease_until = $1, lease_owner = $2, updated_at = $3
  where id in (
    select c.id from wants w
    cross join lateral (
      select d.id from deliveries d
      where d.webhook_id = w.endpoint and d.status = 'pending' and d.next_attempt_at <= $3 and (d.lease_until is null or d.lease_until < $3)
      order by d.next_attempt_at, d.id
      limit w.lim
      for update skip locked
    ) c
    where w.lim > 0
    limit $8
  )
  returning *
)
select claimed.*, e.id as ev_id, e.type as ev_type, e.timestamp as ev_timestamp, e.workspace_id as ev_workspace_id, e.data as ev_data, e.actor as ev_actor,
  case when row_number() over (partition by claimed.webhook_id) = 1 then row_to_json(h) end as hook
from claimed
left join events_full e on e.id = claimed.event_id and claimed.is_test = 0
left join webhooks h on h.id = claimed.webhook_id
-- A lease lost with a crashed server only lets the delivery be claimed again: no wait for the disk (Tx.commitWithoutFlush).
cross join (select set_config('synchronous_commit', 'off', true)) as relaxed`;

/** Only where the dialect has data-modifying CTEs (`Queryable.sql.dataModifyingCtes`): PostgreSQL. */
export async function claimRound(on: Queryable, wants: ClaimRoundWants, owner: string, now: number, leaseUntil: number): Promise<ClaimedRound> {
  const rows = await runText<ClaimedRow & { hook: WebhookTable | null }>(on.db, POSTGRES_CLAIM_ROUND, [
    leaseUntil,
    owner,
    now,
    wants.known.map((w) => w.endpoint),
    wants.known.map((w) => w.limit),
    wants.otherLimit,
    wants.excluding,
    wants.total,
  ]);
  const events = new Map<string, StoredEvent>();
  const webhooks: WebhookTable[] = [];
  const deliveries = rows.map(({ ev_id, ev_type, ev_timestamp, ev_workspace_id, ev_data, ev_actor, hook, ...delivery }) => {
    if (ev_id !== null) events.set(ev_id, { id: ev_id, type: ev_type!, timestamp: ev_timestamp!, workspace_id: ev_workspace_id!, data: ev_data!, actor: ev_actor });
    if (hook !== null) webhooks.push(hook);
    return delivery;
  });
  return { deliveries, events, webhooks };
}

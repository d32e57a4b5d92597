import { sql } from 'kysely';
import type { Storage } from './storage.js';

/*
 * Reading the events table in commit order, for the live stream. See
 * migrations/008_event_stream_position.ts for why: on PostgreSQL the position is
 * (writing transaction's xid8, event id) and only rows older than every running transaction are
 * final; on SQLite (one writer) the rowid is the position and every visible row is final.
 */

/*
 * `data` whole again for click events stored with a link version (migration 022): what the
 * `events_full` view does, inline here because the feed reads the table's own position columns.
 */
const EVENT_DATA = sql.raw(`case when e.link_version is null then e.data else '{"link":' || lv.head || cast(e.link_clicks as text) || lv.tail || ',' || substr(e.data, 2) end as data`);
const LINK_VERSION_JOIN = sql.raw('left join link_versions lv on e.link_version is not null and lv.link_id = e.link_id and lv.hash = e.link_version');

/** Where a reader stands: `tx` is the xid8 (PostgreSQL) or rowid (SQLite) as decimal text. */
export interface FeedPosition {
  tx: string;
  id: string;
}

export interface FeedRow {
  id: string;
  type: string;
  timestamp: number;
  workspace_id: string;
  data: string;
  actor: string | null;
  position: FeedPosition;
  /** No row can ever appear before this one (false: an older transaction may still commit). */
  settled: boolean;
}

/** The position right now: rows after it are the ones committed from here on (plus, on PostgreSQL, in-flight ones). */
export async function feedHead(storage: Storage): Promise<FeedPosition> {
  if (storage.dialect === 'postgres') {
    const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(storage.db);
    return { tx: rows[0]!.xmin, id: '' };
  }
  const { rows } = await sql<{ top: number | null }>`select max(rowid) as top from events`.execute(storage.db);
  return { tx: String(rows[0]?.top ?? 0), id: '' };
}

/**
 * The ids of the workspace's events already visible past `head` (up to `limit`): on PostgreSQL the
 * head sits at the oldest running transaction, so those were committed before it was taken and are
 * not new to a stream that starts there; on SQLite (one writer) none.
 */
export async function visibleAtHead(storage: Storage, workspaceId: string, head: FeedPosition, limit: number, types: readonly string[] | null): Promise<Set<string>> {
  const ids = new Set<string>();
  if (storage.dialect !== 'postgres') return ids;
  for (const row of await readFeed(storage, workspaceId, head, limit, types)) ids.add(row.id);
  return ids;
}

/** The position of one of the workspace's events, or null when it is unknown (or purged). */
export async function feedPositionOf(storage: Storage, workspaceId: string, eventId: string): Promise<FeedPosition | null> {
  if (storage.dialect === 'postgres') {
    const { rows } = await sql<{ tx: string }>`select stream_tx::text as tx from events where id = ${eventId} and workspace_id = ${workspaceId}`.execute(storage.db);
    return rows[0] ? { tx: rows[0].tx, id: eventId } : null;
  }
  const { rows } = await sql<{ pos: number }>`select rowid as pos from events where id = ${eventId} and workspace_id = ${workspaceId}`.execute(storage.db);
  return rows[0] ? { tx: String(rows[0].pos), id: eventId } : null;
}

/** The workspace's events after `after`, in commit order (optionally only some types). */
export async function readFeed(storage: Storage, workspaceId: string, after: FeedPosition, limit: number, types: readonly string[] | null): Promise<FeedRow[]> {
  const typeFilter = types && types.length ? sql`and e.type in (${sql.join(types)})` : sql``;
  if (storage.dialect === 'postgres') {
    const { rows } = await sql<Omit<FeedRow, 'position'> & { tx: string }>`
      select e.id, e.type, e.timestamp, e.workspace_id, ${EVENT_DATA}, e.actor, e.stream_tx::text as tx, e.stream_tx < s.xmin as settled
      from events e ${LINK_VERSION_JOIN} cross join (select pg_snapshot_xmin(pg_current_snapshot()) as xmin) s
      where e.workspace_id = ${workspaceId} and (e.stream_tx, e.id) > (${after.tx}::xid8, ${after.id}) ${typeFilter}
      order by e.stream_tx, e.id
      limit ${limit}`.execute(storage.db);
    return rows.map(({ tx, ...r }) => ({ ...r, timestamp: Number(r.timestamp), position: { tx, id: r.id } }));
  }
  const { rows } = await sql<Omit<FeedRow, 'position' | 'settled'> & { pos: number }>`
    select e.rowid as pos, e.id, e.type, e.timestamp, e.workspace_id, ${EVENT_DATA}, e.actor from events e ${LINK_VERSION_JOIN}
    where e.rowid > ${Number(after.tx)} and e.workspace_id = ${workspaceId} ${typeFilter}
    order by e.rowid
    limit ${limit}`.execute(storage.db);
  return rows.map(({ pos, ...r }) => ({ ...r, settled: true, position: { tx: String(pos), id: r.id } }));
}

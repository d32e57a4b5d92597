import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * The live event stream (/api/events/stream) reads events in commit order, so a resumed stream
 * has no gaps and no duplicates. Event ids sort by time, but not by commit: two processes (or
 * two transactions) can commit out of id order. On PostgreSQL each event row records the id of
 * the transaction that wrote it (xid8, never wraps); a reader only passes rows whose transaction
 * is older than every transaction still running (the snapshot's xmin), and no row can appear
 * behind that line any more. SQLite has one writer at a time, so its rowid already follows
 * commit order and needs no column.
 */
export const eventStreamPosition: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`alter table events add column stream_tx xid8 not null default pg_current_xact_id()`.execute(db);
    await db.schema.createIndex('events_stream').on('events').columns(['workspace_id', 'stream_tx', 'id']).execute();
  },
};

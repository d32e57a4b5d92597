import { sql, type Kysely, type Transaction } from 'kysely';
import { insertRows } from './insert-rows.js';
import type { ListenerRegistry } from './listeners.js';
import { lockRows } from './row-lock.js';
import type { Database } from './schema.js';
import type { Channel, Dialect, Tx } from './storage.js';
import { POSTGRES_SQL } from './dialect/postgres-sql.js';
import { SQLITE_SQL } from './dialect/sqlite-sql.js';

const SQL = { sqlite: SQLITE_SQL, postgres: POSTGRES_SQL };

/**
 * Runs `fn` in a transaction and, once it has committed, the after-commit work: in-process
 * signals first (a request that follows the commit never sees what it replaced), then hooks.
 * `crossProcess` adds the dialect's way of telling other processes (NOTIFY), if any.
 */
export async function runTransaction<T>(
  db: Kysely<Database>,
  dialect: Dialect,
  listeners: ListenerRegistry,
  fn: (tx: Tx) => Promise<T>,
  crossProcess?: (trx: Transaction<Database>, channel: Channel, payload: string) => Promise<void>,
): Promise<T> {
  const after: (() => void)[] = [];
  const result = await db.transaction().execute((trx) =>
    fn({
      db: trx,
      dialect,
      sql: SQL[dialect],
      lockRows: (query, options) => lockRows(dialect, query, options),
      insertRows: (table, rows, options) => insertRows(trx, dialect, table, rows, options),
      afterCommit: (f) => after.push(f),
      async commitWithoutFlush() {
        if (dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
      },
      async notify(channel, payload) {
        after.push(() => listeners.emit(channel, payload));
        if (crossProcess) await crossProcess(trx, channel, payload);
      },
    }),
  );
  for (const f of after) f();
  return result;
}

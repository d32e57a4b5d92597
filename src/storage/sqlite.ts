import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ListenerRegistry } from './listeners.js';
import { runMigrations } from './migrate.js';
import type { Database } from './schema.js';
import type { Storage } from './storage.js';
import { withoutIndex } from './planner-hints.js';
import { lockRows } from './row-lock.js';
import { runTransaction } from './transaction.js';
import { withStatementCache } from './statement-cache.js';

/** The embedded dialect: one file in WAL mode, one process. */
export function openSqlite(path: string): Storage {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  // Events (~1.4 KB of JSON per click) pack two to a 4 KiB page, wasting a third of it; 8 KiB pages hold five.
  // Measured with bench/click-bytes.ts: 2 742 → 2 328 bytes per click. Takes effect on a new file only
  // (an existing database keeps its page size until VACUUM in rollback-journal mode).
  raw.pragma('page_size = 8192');
  raw.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a killed process (not a power cut) and commits stay cheap.
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = OFF');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  const listeners = new ListenerRegistry();

  return {
    dialect: 'sqlite',
    db,
    sharedByProcesses: false,
    lockRows: (query, options) => lockRows('sqlite', query, options),
    withoutIndex: (column) => withoutIndex('sqlite', column),
    transaction: (fn) => runTransaction(db, 'sqlite', listeners, fn),
    notify(channel, payload) {
      listeners.emit(channel, payload);
      return Promise.resolve();
    },
    subscribe: (channel, listener) => listeners.add(channel, listener),
    migrate: () => runMigrations(db as Kysely<unknown>),
    async close() {
      await db.destroy();
    },
  };
}

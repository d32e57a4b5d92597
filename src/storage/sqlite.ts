import { mkdirSync } from 'node:fs';
import { BroadcastChannel } from 'node:worker_threads';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, type Driver } from 'kysely';
import { ListenerRegistry } from './listeners.js';
import { runMigrations } from './migrate.js';
import type { Database } from './schema.js';
import type { Channel, Storage } from './storage.js';
import { withoutIndex } from './planner-hints.js';
import { lockRows } from './row-lock.js';
import { runTransaction } from './transaction.js';
import { SQLITE_SQL } from './dialect/sqlite-sql.js';
import { withStatementCache } from './statement-cache.js';
import { queryLog, type QueryObserver } from './query-log.js';
import { DEFERRED_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';

/**
 * Transactions start with BEGIN IMMEDIATE: they take the write lock up front (waiting up to the
 * busy timeout). With a deferred BEGIN, a transaction that reads and then writes fails at once with
 * SQLITE_BUSY when another connection — the worker thread's — wrote in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

export interface SqliteOptions {
  onQuery?: QueryObserver;
  /**
   * Who checkpoints the WAL (sqlite-checkpointer.ts): `commit`, SQLite's default, the commit that
   * finds 1 000 pages in it; `thread`, a thread this storage starts (and stops on close); `elsewhere`,
   * another connection of this process that runs that thread (this one only past a safety bound).
   */
  checkpoints?: 'commit' | 'thread' | 'elsewhere';
  /** WAL size, in pages, at which the checkpoint thread starts it over (default RESTART_PAGES; tests use less). */
  checkpointRestartPages?: number;
}

/** The embedded dialect: one file in WAL mode, one process. */
export function openSqlite(path: string, options: SqliteOptions = {}): Storage {
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
  const checkpoints = path === ':memory:' ? 'commit' : (options.checkpoints ?? 'commit');
  if (checkpoints !== 'commit') raw.pragma(`wal_autocheckpoint = ${DEFERRED_AUTOCHECKPOINT_PAGES}`);
  const checkpointer = checkpoints === 'thread' ? startCheckpointer(path, options.checkpointRestartPages ? { restartPages: options.checkpointRestartPages } : {}) : null;
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }), ...queryLog(options.onQuery) });
  // Threads of one process that open the same file (the embedded server runs its delivery worker
  // in a worker thread) hear each other's signals: SQLite has no LISTEN/NOTIFY.
  const bridge = path === ':memory:' ? null : new BroadcastChannel(`linkwire:sqlite:${path}`);
  const listeners = new ListenerRegistry(bridge ? (channel, payload) => bridge.postMessage({ channel, payload }) : undefined);
  if (bridge) {
    bridge.onmessage = (event) => {
      const { channel, payload } = (event as { data: { channel: Channel; payload: string } }).data;
      listeners.deliver(channel, payload);
    };
    // Listening must not keep a process alive on its own.
    (bridge as unknown as { unref(): void }).unref();
  }

  return {
    dialect: 'sqlite',
    db,
    sql: SQLITE_SQL,
    sharedByProcesses: false,
    lockRows: (query, options) => lockRows('sqlite', query, options),
    withoutIndex: (column) => withoutIndex('sqlite', column),
    transaction: (fn) => runTransaction(db, 'sqlite', listeners, fn),
    notify(channel, payload) {
      listeners.emit(channel, payload);
      return Promise.resolve();
    },
    subscribe: (channel, listener) => listeners.add(channel, listener),
    migrate: () => runMigrations(db as Kysely<unknown>, 'sqlite'),
    async close() {
      bridge?.close();
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

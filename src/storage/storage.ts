import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { InsertRowsOptions } from './insert-rows.js';
import type { LockableQuery, RowLockOptions } from './row-lock.js';
import type { Database } from './schema.js';
import type { SqlDialect } from './dialect/sql-dialect.js';

export type Dialect = 'sqlite' | 'postgres';

/** A transaction as domain code sees it: the query builder plus a place to run code once it commits. */
export interface Tx {
  readonly db: Transaction<Database>;
  readonly dialect: Dialect;
  /** The dialect's pieces of SQL text and what it can do (dialect/sql-dialect.ts): what domain code asks instead of `dialect`. */
  readonly sql: SqlDialect;
  /** Locks the rows `query` reads until this transaction ends (a no-op where transactions are serial already). */
  lockRows<Q extends LockableQuery<Q>>(query: Q, options?: RowLockOptions): Q;
  /** Multi-row INSERT with reused SQL text (the hot paths). */
  insertRows<T extends keyof Database>(table: T, rows: readonly Database[T][], options?: InsertRowsOptions<T>): Promise<number>;
  /** Runs after COMMIT (never on rollback): wake workers, invalidate caches. */
  afterCommit(fn: () => void): void;
  /** Signals other processes (and this one) once the transaction commits. */
  notify(channel: Channel, payload: string): Promise<void>;
  /**
   * Lets COMMIT return before the database server has flushed it to disk (PostgreSQL
   * `synchronous_commit = off` for this transaction; a no-op on SQLite, whose commits in WAL mode
   * with `synchronous = NORMAL` already do not wait for the disk). A crash of this process loses
   * nothing; a crash of the database server (or its machine) may lose the last ~0.6 s of such
   * commits, whole, never in part. Only for work that is safe to do again: the delivery engine's
   * fan-out, claims and attempt results, whose loss means a delivery is sent again (at-least-once).
   */
  commitWithoutFlush(): Promise<void>;
}

/** Cross-process signals. PostgreSQL carries them with LISTEN/NOTIFY; SQLite has one process. Named, with their payloads and listeners, in signals.ts. */
export type Channel = 'link_changed' | 'event_created' | 'delivery_due' | 'domain_changed' | 'workspace_changed' | 'webhook_changed';

export type Listener = (payload: string) => void;

/** The one storage port. Domain modules write Kysely queries against `db`; dialect differences live here. */
export interface Storage {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** The dialect's pieces of SQL text and what it can do (dialect/sql-dialect.ts): what domain code asks instead of `dialect`. */
  readonly sql: SqlDialect;
  /**
   * Whether other processes may use this database at the same time (PostgreSQL). When false
   * (embedded SQLite), this process owns it: anything a previous run left claimed is stale.
   */
  readonly sharedByProcesses: boolean;
  /** Locks the rows `query` reads, as `Tx.lockRows` (for a query that runs in a transaction of its own). */
  lockRows<Q extends LockableQuery<Q>>(query: Q, options?: RowLockOptions): Q;
  /** `column` for a WHERE clause, with a hint that the planner should not use an index on it (see planner-hints.ts). */
  withoutIndex<T>(column: string): RawBuilder<T>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Signals outside any transaction (delivered immediately). */
  notify(channel: Channel, payload: string): Promise<void>;
  subscribe(channel: Channel, listener: Listener): () => void;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Connection pool levels (PostgreSQL); absent for the embedded database. */
  poolStats?(): PoolStats;
  /** Opens the connections a busy moment needs before it comes (PostgreSQL); absent for the embedded database. */
  warmUp?(): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * What a statement runs on: the storage (the statement is a transaction of its own) or one of its
 * transactions. The statements under delivery/sql/ take one as their first argument (or a `Tx`
 * where they must run inside one).
 */
export type Queryable = Storage | Tx;

import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** A transaction as domain code sees it: the query builder plus a place to run code once it commits. */
export interface Tx {
  readonly db: Transaction<Database>;
  readonly dialect: Dialect;
  /** Runs after COMMIT (never on rollback): wake workers, invalidate caches. */
  afterCommit(fn: () => void): void;
  /** Signals other processes (and this one) once the transaction commits. */
  notify(channel: Channel, payload: string): Promise<void>;
}

/** Cross-process signals. PostgreSQL carries them with LISTEN/NOTIFY; SQLite has one process. */
export type Channel = 'link_changed' | 'event_created' | 'delivery_due' | 'domain_changed' | 'workspace_changed';

export type Listener = (payload: string) => void;

/** The one storage port. Domain modules write Kysely queries against `db`; dialect differences live here. */
export interface Storage {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Signals outside any transaction (delivered immediately). */
  notify(channel: Channel, payload: string): Promise<void>;
  subscribe(channel: Channel, listener: Listener): () => void;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Connection pool levels (PostgreSQL); absent for the embedded database. */
  poolStats?(): PoolStats;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

import type { Dialect } from './storage.js';

/** A query that can take row locks (Kysely's select builder is one). */
export interface LockableQuery<Q> {
  forUpdate(): Q;
  skipLocked(): Q;
}

export interface RowLockOptions {
  /** Leave rows another transaction holds out of the result instead of waiting for them (claims). */
  skipLocked?: boolean;
}

/**
 * Locks the rows `query` reads until the transaction ends. PostgreSQL needs `FOR UPDATE` so two
 * processes cannot both read-then-write the same row; SQLite runs one write transaction at a time,
 * so the query is already serial there and is returned unchanged (SQLite has no FOR UPDATE).
 */
export function lockRows<Q extends LockableQuery<Q>>(dialect: Dialect, query: Q, options: RowLockOptions = {}): Q {
  if (dialect !== 'postgres') return query;
  const locked = query.forUpdate();
  return options.skipLocked ? locked.skipLocked() : locked;
}

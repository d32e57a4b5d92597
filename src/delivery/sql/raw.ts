import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { Dialect } from '../../storage/storage.js';

/**
 * The delivery hot path's statements as SQL text, one text per statement whatever the number of
 * ids: SQLite reads a list from one JSON parameter (`json_each`), PostgreSQL from one array
 * parameter. So each statement is prepared once (a growing set of `in (?, ?, …)` texts of every
 * length filled SQLite's statement cache and the worker's memory), and the query builder's
 * per-call compilation is skipped.
 */
export async function run<R>(db: Kysely<Database>, text: string, parameters: readonly unknown[]): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]))).rows;
}

/**
 * `(subquery of the ids in parameter n)`, for `id in …`. SQLite's parameters are positional `?`
 * (better-sqlite3 binds no numbered ones from an array): write them in the order they are bound.
 */
export function idsParameter(dialect: Dialect, n: number): string {
  return dialect === 'postgres' ? `(select unnest($${n}::text[]))` : '(select value from json_each(?))';
}

/** Parameter n: `$n` on PostgreSQL, `?` (positional) on SQLite. */
export function param(dialect: Dialect, n: number): string {
  return dialect === 'postgres' ? `$${n}` : '?';
}

/** The value bound for idsParameter. */
export function idsValue(dialect: Dialect, ids: readonly string[]): unknown {
  return dialect === 'postgres' ? ids : JSON.stringify(ids);
}

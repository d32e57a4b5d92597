import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './storage.js';

/**
 * A column reference the planner must not use an index for. SQLite, given `id in (…) and
 * status = …`, would walk the whole status index instead of the few primary keys; a unary `+`
 * turns that off. PostgreSQL's planner picks the primary key by itself, so it gets the plain column.
 */
export function withoutIndex<T>(dialect: Dialect, column: string): RawBuilder<T> {
  return dialect === 'sqlite' ? sql<T>`+${sql.ref(column)}` : sql<T>`${sql.ref(column)}`;
}

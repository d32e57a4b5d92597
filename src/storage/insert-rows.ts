import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './storage.js';

/** Bound parameters per statement, kept under SQLite's (32 766) and PostgreSQL's (65 535) limits. */
const MAX_PARAMETERS = 30_000;
const MAX_ROWS = 500;

const statements = new Map<string, string>();

/**
 * Multi-row INSERT for the hot paths (click batches, outbox, fan-out, attempt logs). The SQL text
 * for a given table, column list and row count is built once and reused, skipping the query
 * builder's per-call compilation, which cost as much as the inserts themselves.
 * Every row must have the same keys as the first.
 */
export interface InsertRowsOptions<T extends keyof Database> {
  onConflictDoNothing?: readonly (keyof Database[T] & string)[];
}

export async function insertRows<T extends keyof Database>(
  db: Kysely<Database>,
  dialect: Dialect,
  table: T,
  rows: readonly Database[T][],
  options: InsertRowsOptions<T> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as (keyof Database[T] & string)[];
  const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column] ?? null);
    const text = statementFor(dialect, table, columns, chunk.length, options.onConflictDoNothing);
    await db.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

function statementFor(dialect: Dialect, table: string, columns: readonly string[], rowCount: number, conflict?: readonly string[]): string {
  const key = `${dialect}|${table}|${columns.join(',')}|${rowCount}|${conflict?.join(',') ?? ''}`;
  let text = statements.get(key);
  if (text === undefined) {
    let n = 0;
    const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
    const tuples: string[] = [];
    for (let r = 0; r < rowCount; r++) tuples.push(`(${columns.map(placeholder).join(', ')})`);
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
    if (conflict?.length) text += ` on conflict (${conflict.map((c) => `"${c}"`).join(', ')}) do nothing`;
    if (statements.size > 2000) statements.clear();
    statements.set(key, text);
  }
  return text;
}

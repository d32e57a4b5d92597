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
  /**
   * Columns that often hold the same value in every row (a click batch's workspace, its events'
   * type and time). On SQLite, where they do in all rows of a statement, that value is bound once
   * instead of once per row: better-sqlite3's binding (a UTF-8 copy and an allocation per string)
   * cost more than SQLite's own work of inserting the row. Not with `onConflictDoNothing`.
   */
  shared?: readonly (keyof Database[T] & string)[];
}

export async function insertRows<T extends keyof Database>(
  db: Kysely<Database>,
  dialect: Dialect,
  table: T,
  rows: readonly Database[T][],
  options: InsertRowsOptions<T> = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  let inserted = 0;
  const columns = Object.keys(rows[0]!) as (keyof Database[T] & string)[];
  const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  const shareable = dialect === 'sqlite' && !options.onConflictDoNothing?.length ? (options.shared ?? []) : [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const first = chunk[0]!;
    const shared = shareable.filter((column) => chunk.every((row) => row[column] === first[column]));
    // At least one column of its own per row (a VALUES tuple cannot be empty), and rows to share across.
    if (shared.length > 0 && shared.length < columns.length && chunk.length > 1) {
      const own = columns.filter((column) => !shared.includes(column));
      const parameters: unknown[] = shared.map((column) => first[column] ?? null);
      for (const row of chunk) for (const column of own) parameters.push(row[column] ?? null);
      inserted += affected(await db.executeQuery(CompiledQuery.raw(sharedStatementFor(table, columns, shared, chunk.length), parameters)));
      continue;
    }
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column] ?? null);
    const text = statementFor(dialect, table, columns, chunk.length, options.onConflictDoNothing);
    inserted += affected(await db.executeQuery(CompiledQuery.raw(text, parameters)));
  }
  return inserted;
}

/** Rows a statement wrote: with `onConflictDoNothing`, fewer than it was given when some already existed. */
function affected(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * SQLite: the shared values bound once in a one-row subquery, the rest per row in a VALUES list,
 * joined. Rows are inserted in VALUES order (the one-row side does not reorder them), so rowids
 * follow the rows as they do with a plain multi-row INSERT.
 */
function sharedStatementFor(table: string, columns: readonly string[], shared: readonly string[], rowCount: number): string {
  const key = `shared|${table}|${columns.join(',')}|${shared.join(',')}|${rowCount}`;
  let text = statements.get(key);
  if (text === undefined) {
    const own = columns.filter((column) => !shared.includes(column));
    const select = columns.map((column) => (shared.includes(column) ? `s."${column}"` : `v.column${own.indexOf(column) + 1}`));
    const tuple = `(${own.map(() => '?').join(', ')})`;
    text =
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) ` +
      `select ${select.join(', ')} from (select ${shared.map((c) => `? as "${c}"`).join(', ')}) s, (values ${new Array<string>(rowCount).fill(tuple).join(', ')}) v`;
    if (statements.size > 2000) statements.clear();
    statements.set(key, text);
  }
  return text;
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

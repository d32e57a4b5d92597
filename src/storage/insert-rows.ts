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
  const columns = Object.keys(rows[0]!) as (keyof Database[T] & string)[];
  if (dialect === 'postgres') return insertUnnest(db, table, columns, rows, options.onConflictDoNothing);
  let inserted = 0;
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

/**
 * PostgreSQL: one statement per UNNEST_ROWS rows, each column bound as ONE array parameter
 * (`insert … select * from unnest($1::text[], $2::int8[], …)`). A multi-row VALUES list of
 * 500 rows × 19 columns is ~9 500 parameters the server parses, plans and binds one by one, in
 * statement text that differs with the row count; an array per column is parsed in one go by the
 * array input function, and the statement text stays the same. Measured on the click ingest
 * (bench/ingest-probe.ts): see bench/RESULTS.md / the commit message. Most columns now travel as
 * delimited text the server splits (delimitedText), the rest as array literals.
 */
async function insertUnnest<T extends keyof Database>(
  db: Kysely<Database>,
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rows: readonly Database[T][],
  conflict: readonly string[] | undefined,
): Promise<number> {
  const types = await columnTypes(db, table);
  let inserted = 0;
  const values: unknown[] = [];
  for (let start = 0; start < rows.length; start += UNNEST_ROWS) {
    const end = Math.min(rows.length, start + UNNEST_ROWS);
    values.length = end - start;
    let forms = '';
    const parameters = columns.map((column) => {
      for (let i = start; i < end; i++) values[i - start] = rows[i]![column];
      const delimited = delimitedText(values);
      forms += delimited === null ? 'a' : 'd';
      if (delimited !== null) return delimited;
      const elements = new Array<string>(values.length);
      for (let i = 0; i < values.length; i++) elements[i] = arrayElement(values[i]);
      return `{${elements.join(',')}}`;
    });
    const text = unnestStatementFor(table, columns, types, forms, conflict);
    inserted += affected(await db.executeQuery(CompiledQuery.raw(text, parameters)));
  }
  return inserted;
}

/**
 * Two ASCII control characters no click, event or delivery text holds: a column's values are sent
 * as ONE text, the elements separated by the first, a NULL written as the second, and the server
 * splits it (`string_to_array($n, E'\x1f', E'\x1e')`). Nothing is quoted or escaped: escaping the
 * JSON of each event (a regular expression and a copy per element, then a join) was a third of
 * the ingester's CPU on PostgreSQL, and the server's splitting is simpler than array_in's parsing.
 */
const SEPARATOR = '\u001f';
const NULL_ELEMENT = '\u001e';
// eslint-disable-next-line no-control-regex -- these two characters are the point
const CONTROL = /[\u001e\u001f]/;

/**
 * `values` as delimited text (see SEPARATOR), or null where that cannot say them: a text that holds
 * either control character, or a single empty text (which string_to_array reads as no element).
 */
function delimitedText(values: unknown[]): string | null {
  if (values.length === 1 && values[0] === '') return null;
  let copy: unknown[] | null = null;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let element: unknown = value;
    if (typeof value === 'string') {
      if (CONTROL.test(value)) return null;
      continue;
    } else if (value === null || value === undefined) element = NULL_ELEMENT;
    else if (typeof value === 'object') element = JSON.stringify(value);
    else if (typeof value === 'boolean') element = value ? 't' : 'f';
    else continue; // numbers and bigints: join writes them as String() does
    if (typeof element === 'string' && element !== NULL_ELEMENT && CONTROL.test(element)) return null;
    copy ??= values.slice();
    copy[i] = element;
  }
  return (copy ?? values).join(SEPARATOR);
}

/**
 * One element of a PostgreSQL array literal. Written here rather than by node-postgres (which
 * takes JS arrays): its serialiser grows one string element by element and escapes each with two
 * regular expressions, and the garbage of that was half the ingester's CPU on a click batch.
 */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPED, '\\$&')}"` : `"${text}"`;
}
const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** Rows per unnest statement: every column's array in one Bind message (a few MB at most for events). */
const UNNEST_ROWS = 5_000;

/** Column types by table, read from the catalog once per process (the schema is the migrations', the same in every database). */
const pgColumnTypes = new Map<string, Promise<Map<string, string>>>();

function columnTypes(db: Kysely<Database>, table: string): Promise<Map<string, string>> {
  let types = pgColumnTypes.get(table);
  if (types === undefined) {
    types = db
      .executeQuery<{ name: string; type: string }>(
        CompiledQuery.raw('select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped', [table]),
      )
      .then((result) => new Map(result.rows.map((r) => [r.name, r.type])));
    pgColumnTypes.set(table, types);
    types.catch(() => pgColumnTypes.delete(table));
  }
  return types;
}

/** `forms`: per column, `d` for delimited text (delimitedText), `a` for an array literal. */
function unnestStatementFor(table: string, columns: readonly string[], types: Map<string, string>, forms: string, conflict?: readonly string[]): string {
  const key = `unnest|${table}|${columns.join(',')}|${forms}|${conflict?.join(',') ?? ''}`;
  let text = statements.get(key);
  if (text === undefined) {
    const arrays = columns.map((column, i) => {
      const type = types.get(column);
      if (type === undefined) throw new Error(`insertRows: ${table} has no column ${column}`);
      return forms[i] === 'd' ? `string_to_array($${i + 1}::text, E'\\x1f', E'\\x1e')::${type}[]` : `$${i + 1}::${type}[]`;
    });
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) select * from unnest(${arrays.join(', ')})`;
    if (conflict?.length) text += ` on conflict (${conflict.map((c) => `"${c}"`).join(', ')}) do nothing`;
    if (statements.size > 2000) statements.clear();
    statements.set(key, text);
  }
  return text;
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

import type { SqlDialect } from './sql-dialect.js';

/** SQLite's pieces: positional `?` parameters, lists as one JSON parameter read with `json_each`. */
export const SQLITE_SQL: SqlDialect = Object.freeze({
  name: 'sqlite',
  serverRoundTrips: false,
  dataModifyingCtes: false,
  param: () => '?',
  idList: () => '(select value from json_each(?))',
  idListValue: (ids: readonly string[]) => JSON.stringify(ids),
  rowList: (_n: number, alias: string, columns: readonly (readonly [string, string])[]) =>
    `(select ${columns.map(([name], i) => `value ->> '$[${i}]' as ${name}`).join(', ')} from json_each(?)) as ${alias}`,
  rowListValues: (rows: readonly (readonly unknown[])[]) => [JSON.stringify(rows)],
});

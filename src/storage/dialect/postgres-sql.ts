import type { SqlDialect } from './sql-dialect.js';

/** PostgreSQL's pieces: numbered `$n` parameters, lists as array parameters read with `unnest`. */
export const POSTGRES_SQL: SqlDialect = Object.freeze({
  name: 'postgres',
  serverRoundTrips: true,
  dataModifyingCtes: true,
  param: (n: number) => `$${n}`,
  idList: (n: number) => `(select unnest($${n}::text[]))`,
  idListValue: (ids: readonly string[]) => ids,
  rowList: (n: number, alias: string, columns: readonly (readonly [string, string])[]) =>
    `unnest(${columns.map(([, type], i) => `$${n + i}::${type}[]`).join(', ')}) as ${alias}(${columns.map(([name]) => name).join(', ')})`,
  rowListValues: (rows: readonly (readonly unknown[])[], columnCount: number) => Array.from({ length: columnCount }, (_, i) => rows.map((row) => row[i])),
});

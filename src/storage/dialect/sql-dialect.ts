import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A column of a row list bound as parameters (SqlDialect.rowList), with its PostgreSQL array type. */
export type RowListColumn = readonly [name: string, type: 'text' | 'int' | 'bigint'];

/**
 * What a statement written as SQL text needs to know about the database it runs on: the pieces of
 * text that differ between SQLite and PostgreSQL, and what each can do. One implementation per
 * dialect (sqlite-sql.ts, postgres-sql.ts), as Kysely keeps one folder per dialect; a domain
 * module asks this instead of which database it runs on.
 *
 * The pieces keep one text per statement whatever the number of ids or rows: SQLite reads a list
 * from one JSON parameter (`json_each`), PostgreSQL from array parameters (`unnest`). So each
 * statement is prepared once (a growing set of `in (?, ?, …)` texts of every length filled SQLite's
 * statement cache and the worker's memory).
 */
export interface SqlDialect {
  /** storage.ts's `Dialect` (spelled out here: storage.ts imports this file). */
  readonly name: 'sqlite' | 'postgres';
  /**
   * Statements are round trips to a server in another process (PostgreSQL): this thread is free
   * while one runs, and fewer statements are fewer waits. SQLite runs each statement in the
   * calling thread, where a statement costs no wait and holds the thread while it runs.
   */
  readonly serverRoundTrips: boolean;
  /**
   * Writes inside WITH (PostgreSQL's data-modifying CTEs, and FOR UPDATE SKIP LOCKED): several
   * writes and the reads of their rows in one statement. SQLite's WITH holds SELECTs only.
   */
  readonly dataModifyingCtes: boolean;
  /** Parameter n (from 1): `$n` on PostgreSQL, `?` on SQLite, whose parameters are positional: write them in the order they are bound. */
  param(n: number): string;
  /** `(subquery of the ids in parameter n)`, for `id in …` (bind `idListValue`). */
  idList(n: number): string;
  /** The value bound for `idList`. */
  idListValue(ids: readonly string[]): unknown;
  /**
   * A FROM item `alias(columns…)` over a list of rows bound from parameter n: one parameter per
   * column on PostgreSQL (an array each), one JSON parameter on SQLite (bind `rowListValues`).
   */
  rowList(n: number, alias: string, columns: readonly RowListColumn[]): string;
  /** The parameters bound for `rowList`, each row's values in its columns' order. */
  rowListValues(rows: readonly (readonly unknown[])[], columnCount: number): unknown[];
}

/** Runs a statement written as SQL text (the hot paths: no query-builder compilation per call). */
export async function runText<R>(db: Kysely<Database>, text: string, parameters: readonly unknown[]): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]))).rows;
}

/** A statement's text built once per dialect (from that dialect's pieces) and reused. */
export function textPerDialect(build: (sql: SqlDialect) => string): (sql: SqlDialect) => string {
  const texts = new Map<SqlDialect['name'], string>();
  return (sql) => {
    let text = texts.get(sql.name);
    if (text === undefined) {
      text = build(sql);
      texts.set(sql.name, text);
    }
    return text;
  };
}

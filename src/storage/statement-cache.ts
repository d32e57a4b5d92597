import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * better-sqlite3 behind Kysely, with prepared statements reused: Kysely prepares every query
 * anew, and on the hot paths (click batches, claims) preparing cost as much as running.
 * Safe because Kysely runs one query at a time on this single connection.
 */
export function withStatementCache(raw: BetterSqlite3.Database, maxStatements = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= maxStatements) cache.delete(cache.keys().next().value!);
        statement = raw.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

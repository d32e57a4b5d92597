import { resolve } from 'node:path';
import { openPostgres, type PostgresOptions } from './postgres.js';
import { openSqlite, type SqliteOptions } from './sqlite.js';
import type { Storage } from './storage.js';

/** `sqlite:./data/linkwire.db`, `sqlite::memory:` or `postgres://…`. */
export function openStorage(url: string, postgresOptions: PostgresOptions = {}, sqliteOptions: SqliteOptions = {}): Storage {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, postgresOptions);
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    return openSqlite(path === ':memory:' ? path : resolve(path), sqliteOptions);
  }
  throw new Error(`LINKWIRE_DATABASE_URL must start with sqlite: or postgres://, got "${url}"`);
}

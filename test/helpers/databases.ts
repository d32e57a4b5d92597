import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, newDatabaseName } from '../../support/postgres.js';
import { openPostgres } from '../../src/storage/postgres.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Dialect, Storage } from '../../src/storage/storage.js';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** The server every PostgreSQL test uses; its absence is a failure, never a skip. */
export const PG_ADMIN_URL = process.env.LINKWIRE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  dialect: Dialect;
  /** LINKWIRE_DATABASE_URL for a child process. */
  url: string;
  open(options?: { poolSize?: number }): Storage;
  drop(): Promise<void>;
}

/** A fresh, empty, migrated-on-open database of the given dialect. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-test-'));
    const path = join(dir, 'linkwire.db');
    return {
      dialect,
      url: `sqlite:${path}`,
      open: () => openSqlite(path),
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const { name, url } = newDatabaseName(PG_ADMIN_URL, 'lw_test_');
  await adminQuery(PG_ADMIN_URL, `CREATE DATABASE ${name}`, 'PostgreSQL is required for the PostgreSQL suite and is unreachable');
  return {
    dialect,
    url,
    open: (options) => openPostgres(url, options),
    drop: () => adminQuery(PG_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, 'PostgreSQL is unreachable'),
  };
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
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
  const name = `lw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is required for the PostgreSQL suite and is unreachable at ${PG_ADMIN_URL}: ${(err as Error).message}`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    open: (options) => openPostgres(url.toString(), options),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

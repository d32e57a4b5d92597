import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { adminQuery as runAdminQuery, isLoopbackUrl, newDatabaseName } from '../../support/postgres.js';
import { onCleanup } from './procs.js';

export type Dialect = 'sqlite' | 'postgres';

/** The PostgreSQL cluster the suite creates its databases in; loopback only. */
export const PG_ADMIN_URL = process.env.LINKWIRE_BENCH_PG_URL ?? process.env.LINKWIRE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  dialect: Dialect;
  /** LINKWIRE_DATABASE_URL for the server process. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a SQLite file in a new temp dir, or a new PostgreSQL database; dropped on cleanup. */
export async function createDatabase(dialect: Dialect): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-bench-'));
    let dropped = false;
    const drop = async () => {
      if (dropped) return;
      dropped = true;
      unregister();
      rmSync(dir, { recursive: true, force: true });
    };
    const unregister = onCleanup(drop);
    return { dialect, url: `sqlite:${join(dir, 'linkwire.db')}`, drop };
  }

  if (!isLoopbackUrl(PG_ADMIN_URL)) throw new Error(`refusing a non-loopback PostgreSQL (${new URL(PG_ADMIN_URL).hostname}): the bench only uses 127.0.0.1`);
  const { name, url } = newDatabaseName(PG_ADMIN_URL, 'lw_bench_');
  await adminQuery(`CREATE DATABASE ${name}`);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    unregister();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  const unregister = onCleanup(drop);
  return { dialect, url, drop };
}

function adminQuery(text: string): Promise<void> {
  return runAdminQuery(PG_ADMIN_URL, text, 'PostgreSQL is unreachable', 10_000);
}

/** The PostgreSQL server's version string (for the machine info), or null. */
export async function postgresVersion(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const res = await client.query<{ v: string }>('select current_setting($1) as v', ['server_version']);
    return res.rows[0]?.v ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

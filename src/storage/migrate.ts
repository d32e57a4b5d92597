import { Migrator, sql, type Kysely } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Dialect } from './storage.js';

/** PostgreSQL advisory lock key for migrations: any constant of our own (ASCII "lnkwMIGR"). */
const MIGRATION_LOCK_KEY = 0x6c6e6b774d494752n;

/**
 * Brings the schema up to date. Several processes may start at once on a fresh database (two
 * `serve`s, or `serve` and `migrate`), so the whole run is serialised: the later one waits, then
 * finds nothing left to do. Kysely's own migration lock does not cover this: on SQLite it is a
 * no-op (one connection per process is assumed), and on both dialects its tables are created
 * before the lock is taken (`table "workspaces" already exists`, or a duplicate pg_type row).
 *
 * SQLite: one BEGIN IMMEDIATE around the run (DDL is transactional there; a second process waits
 * on the busy timeout). PostgreSQL: a session advisory lock held on one connection for the run.
 */
export async function runMigrations(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.connection().execute(async (conn) => {
    if (dialect === 'sqlite') {
      await beginImmediateWaiting(conn);
      try {
        await migrate(conn);
        await sql`commit`.execute(conn);
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
      return;
    }
    await sql`select pg_advisory_lock(${sql.raw(String(MIGRATION_LOCK_KEY))})`.execute(conn);
    try {
      await migrate(conn);
    } finally {
      await sql`select pg_advisory_unlock(${sql.raw(String(MIGRATION_LOCK_KEY))})`.execute(conn).catch(() => undefined);
    }
  });
}

/** How long a SQLite migrator waits for another one to finish. */
const SQLITE_MIGRATION_WAIT_MS = 60_000;

/**
 * BEGIN IMMEDIATE, waiting for the write lock without blocking the thread: SQLite's busy timeout
 * sleeps inside the (synchronous) driver, so a second migrator in the same thread would wait out
 * the whole timeout while the first one, on the same event loop, could not finish.
 */
async function beginImmediateWaiting(conn: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
  const busyTimeout = Number(rows[0]?.timeout ?? 0);
  await sql.raw('pragma busy_timeout = 0').execute(conn);
  const deadline = Date.now() + SQLITE_MIGRATION_WAIT_MS;
  try {
    for (;;) {
      try {
        await sql`begin immediate`.execute(conn);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${busyTimeout}`).execute(conn);
  }
}

async function migrate(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'linkwire_migrations',
    migrationLockTableName: 'linkwire_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}

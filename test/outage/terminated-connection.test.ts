import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * `pg_ctlcluster stop -m fast` (or a failover) terminates every backend with 57P01. A connection a
 * transaction holds at that moment (the journal's ingester, a delivery claim) then emits 'error'
 * outside any query; unheard, that error killed the process — or the worker thread, and with it the
 * process — in the middle of test/redirect/pg-outage.test.ts. Only our own backend is terminated
 * here: the shared cluster is left alone.
 */
describe('a PostgreSQL connection terminated while a transaction holds it', () => {
  let database: TestDatabase;
  let storage: Storage;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    storage = database.open();
    await storage.migrate();
  });
  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('fails that transaction, not the process, and the next one works', async () => {
    const attempt = storage.transaction(async ({ db: trx }) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      const killer = new pg.Client({ connectionString: database.url });
      await killer.connect();
      try {
        await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      } finally {
        await killer.end();
      }
      // The termination arrives while the connection sits idle in the transaction: the moment an
      // unheard 'error' event used to throw.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(attempt).rejects.toThrow(/connection/);
    const again = await sql<{ one: number }>`select 1 as one`.execute(storage.db);
    expect(again.rows[0]!.one).toBe(1);
  });
});

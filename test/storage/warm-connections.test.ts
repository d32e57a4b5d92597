import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../helpers/databases.js';
import { sleep } from '../helpers/wait.js';

/** Backends connected to `database` right now, as the server counts them. */
async function backendsOf(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [database]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL connections warmed before the worker is ready (issue 26 item 2)', () => {
  let db: TestDatabase;
  let storage: Storage;
  afterAll(async () => {
    await storage?.close();
    await db?.drop();
  });

  it('are open before the first statement needs them and stay open through a quiet spell longer than the pool idle timeout', async () => {
    db = await createTestDatabase('postgres');
    const database = new URL(db.url).pathname.slice(1);
    storage = db.open();
    await storage.migrate();
    await sleep(200);
    const beforeWarmUp = await backendsOf(database);

    await storage.warmUp!();
    expect(await backendsOf(database)).toBeGreaterThanOrEqual(4);
    expect(storage.poolStats!()).toMatchObject({ idle: storage.poolStats!().total, waiting: 0 });
    expect(storage.poolStats!().total).toBeGreaterThanOrEqual(4);
    expect(beforeWarmUp).toBeLessThan(4);

    // pg-pool closes idle connections after 10 s, down to its minimum: the warmed ones stay.
    await sleep(11_000);
    expect(await backendsOf(database)).toBeGreaterThanOrEqual(4);
  }, 30_000);
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteOptions } from './sqlite.js';
import type { Storage } from './storage.js';

const MiB = 1024 * 1024;
/** 24 MiB of event rows in 240 commits: about 41 MiB of WAL with their indexes, five times SQLite’s own checkpoint threshold. */
const COMMITS = 240;
const ROWS_PER_COMMIT = 10;
const ROW_BYTES = 10 * 1024;

describe('WAL checkpoints on their own thread (SQLite)', () => {
  let dir: string | null = null;
  const open: Storage[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  /** Writes the rows through a storage opened with `options`; returns the WAL's and the database file's sizes. */
  async function write(options: SqliteOptions): Promise<{ wal: number; db: number; rows: number }> {
    dir = mkdtempSync(join(tmpdir(), 'linkwire-checkpoint-'));
    const path = join(dir, 'linkwire.db');
    const storage = openSqlite(path, options);
    open.push(storage);
    await storage.migrate();
    const data = JSON.stringify({ pad: 'x'.repeat(ROW_BYTES) });
    for (let c = 0; c < COMMITS; c++) {
      await storage.transaction(async (tx) => {
        const rows = Array.from({ length: ROWS_PER_COMMIT }, (_, i) => ({ id: `evt_${String(c * ROWS_PER_COMMIT + i).padStart(8, '0')}`, workspace_id: 'ws_1', type: 'link.created', link_id: null, timestamp: Date.now(), data, actor: null }));
        await tx.insertRows('events', rows);
      });
      // A busy server's commits are spread over time: the checkpoint thread runs between them.
      if (c % 10 === 9) await new Promise((r) => setTimeout(r, 30));
    }
    const rows = Number((await storage.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { wal: statSync(`${path}-wal`).size, db: statSync(path).size, rows };
  }

  it('leaves checkpoints to another connection: its commits let the WAL grow past SQLite’s own threshold', async () => {
    const { wal, db, rows } = await write({ checkpoints: 'elsewhere' });
    expect(rows).toBe(COMMITS * ROWS_PER_COMMIT);
    // Nothing was copied back: every page written is still in the WAL.
    expect(wal).toBeGreaterThan(30 * MiB);
    expect(db).toBeLessThan(1 * MiB);
  }, 60_000);

  it('copies the WAL into the database from its thread and starts it over past its bound, so it stays small', async () => {
    // Started over once it holds 800 pages (6.25 MiB; 64 MiB by default).
    const { wal, db, rows } = await write({ checkpoints: 'thread', checkpointRestartPages: 800 });
    expect(rows).toBe(COMMITS * ROWS_PER_COMMIT);
    // Most of it is in the database file already (the last few hundred ms may still be in the WAL).
    expect(db).toBeGreaterThan(12 * MiB);
    // Started over at its bound, the WAL never held much more than that plus one interval's commits.
    expect(wal).toBeLessThan(20 * MiB);
  }, 60_000);

  it('stops its thread on close, after a last checkpoint', async () => {
    dir = mkdtempSync(join(tmpdir(), 'linkwire-checkpoint-'));
    const path = join(dir, 'linkwire.db');
    const storage = openSqlite(path, { checkpoints: 'thread' });
    await storage.migrate();
    await storage.close();
    // Reopened by plain SQLite rules, the data is there; nothing of the first open is left running.
    const again = openSqlite(path);
    open.push(again);
    expect((await again.db.selectFrom('workspaces').select('id').execute()).length).toBe(0);
  });
});

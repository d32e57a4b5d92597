import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe('the click journal lock (real processes)', () => {
  const root = mkdtempSync(join(tmpdir(), 'linkwire-lock-'));
  const journalDir = join(root, 'journal');
  const servers: ServerProcess[] = [];
  let db: TestDatabase | null = null;
  const unrelated = spawn('sleep', ['120'], { stdio: 'ignore' });
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    unrelated.kill('SIGKILL');
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('is not fooled by a pid file naming a live unrelated process, refuses a second live owner in words, and dies with its process', async () => {
    db = await createTestDatabase('sqlite');
    const env = { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_JOURNAL_DIR: journalDir };
    // What older versions left: a pid, here one reused by an unrelated live process.
    mkdirSync(journalDir, { recursive: true });
    writeFileSync(join(journalDir, 'lock'), `${unrelated.pid}\n`);
    const first = await startServerProcess(env);
    servers.push(first);
    expect((await http(first.url, 'GET', '/healthz')).status).toBe(200);

    // A second process on the same directory while the first lives: refused, saying by whom.
    const second = await startServerProcess(env).then(
      (s) => {
        servers.push(s);
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(second).toMatch(new RegExp(`click journal .* is in use by process ${first.child.pid}; give each process its own LINKWIRE_JOURNAL_DIR`));

    // kill -9: no chance to clean up, and the next start takes the directory at once.
    await first.kill('SIGKILL');
    const third = await startServerProcess(env);
    servers.push(third);
    expect((await http(third.url, 'GET', '/healthz')).status).toBe(200);
  }, 120_000);
});

describe.each(DIALECTS)('two servers started at once on a fresh %s database', (dialect) => {
  const root = mkdtempSync(join(tmpdir(), 'linkwire-race-'));
  const servers: ServerProcess[] = [];
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    for (const d of databases) await d.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('never fail on the migrations: both come up (or, sharing a SQLite journal, the second refuses it in words)', async () => {
    for (let round = 0; round < 1; round++) {
      const db = await createTestDatabase(dialect);
      databases.push(db);
      // SQLite: both use the journal next to the database file, as two `npm start`s would.
      const envOf = (n: number): Record<string, string> => (dialect === 'sqlite' ? { LINKWIRE_DATABASE_URL: db.url } : { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_JOURNAL_DIR: join(root, `journal-${round}-${n}`) });
      const outcomes = await Promise.allSettled([startServerProcess(envOf(1)), startServerProcess(envOf(2))]);
      const up: ServerProcess[] = [];
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') {
          servers.push(outcome.value);
          up.push(outcome.value);
          expect(outcome.value.output()).not.toMatch(/migration|already exists/i);
        } else {
          const message = (outcome.reason as Error).message;
          expect(message).not.toMatch(/migration|already exists/i);
          expect(message).toMatch(/click journal .* is in use by process \d+/);
        }
      }
      if (dialect === 'postgres') expect(up).toHaveLength(2);
      expect(up.length).toBeGreaterThanOrEqual(1);
      // The schema is whole: an account can be made and used.
      const signup = await http(up[0]!.url, 'POST', '/api/auth/signup', { body: { email: `race${round}@example.com`, password: 'a long password' } });
      expect(signup.status).toBe(201);
      for (const s of up) await s.kill('SIGTERM');
    }
  }, 180_000);

  it('serialise their migrations: three migrators at once on a fresh database all succeed', async () => {
    // The same race without the start-up time of processes, which rarely lines two up: separate
    // connections (as separate processes have), migrating at the same moment.
    const db = await createTestDatabase(dialect);
    databases.push(db);
    const handles = [db.open(), db.open(), db.open()];
    try {
      const results = await Promise.allSettled(handles.map((h) => h.migrate()));
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
      await handles[0]!.db.selectFrom('workspaces').select('id').execute();
    } finally {
      for (const h of handles) await h.close();
    }
  });
});

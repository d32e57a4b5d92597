import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

describe.each(DIALECTS)('a redirect server killed with SIGKILL during a click storm on %s', (dialect) => {
  let db: TestDatabase | null = null;
  let server: ServerProcess | null = null;
  const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-crash-journal-'));
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db?.drop();
    rmSync(journalDir, { recursive: true, force: true });
  });

  it('after a restart, every answered click is in the database exactly once, with exact counters and one event each', async () => {
    db = await createTestDatabase(dialect);
    // SQLite keeps the journal next to its file; PostgreSQL processes name theirs.
    const env: Record<string, string> = dialect === 'postgres' ? { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_JOURNAL_DIR: journalDir } : { LINKWIRE_DATABASE_URL: db.url };
    server = await startServerProcess(env);
    const signup = await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'crash@example.com', password: 'a long password' } });
    const key = signup.json().api_key as string;
    const link = (await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/crash' } })).json();

    const agent = new Agent({ connections: 64 });
    const answered: number[] = [];
    let sent = 0;
    let stop = false;
    const target = `${server.url}/${link.slug as string}`;
    const worker = async () => {
      while (!stop) {
        const n = sent++;
        try {
          const res = await request(`${target}?n=${n}`, { dispatcher: agent, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } });
          await res.body.dump();
          if (res.statusCode === 302) answered.push(n);
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 32 }, worker);
    // Let the ingester get going too, so the kill lands in the middle of appends and ingest batches.
    while (answered.length < 3000) await new Promise((r) => setTimeout(r, 20));
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await agent.close();

    server = await startServerProcess(env);
    await until('the journal to be ingested after the restart', async () => {
      const health = (await http(server!.url, 'GET', '/healthz')).json<{ journal: { records_behind: number } }>();
      return health.journal.records_behind === 0;
    }, 30_000);
    await server.kill('SIGTERM');
    server = null;

    const storage = db.open();
    try {
      const row = await storage.db.selectFrom('links').select('clicks').where('id', '=', link.id).executeTakeFirstOrThrow();
      const clicks = await storage.db.selectFrom('clicks').select(['id', 'params']).where('link_id', '=', link.id).execute();
      const events = await storage.db.selectFrom('events_full').select(['type', 'data']).where('link_id', '=', link.id).execute();
      const clickEvents = events.filter((e) => e.type === 'link.clicked');

      const seen = new Map<string, number>();
      for (const c of clicks) {
        const n = (JSON.parse(c.params) as { n: string }).n;
        seen.set(n, (seen.get(n) ?? 0) + 1);
      }
      expect(answered.length).toBeGreaterThanOrEqual(3000);
      for (const n of answered) expect(seen.get(String(n)), `answered click n=${n}`).toBe(1);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect(row.clicks).toBe(clicks.length);
      expect(new Set(clicks.map((c) => c.id)).size).toBe(clicks.length);
      expect(clickEvents).toHaveLength(clicks.length);
      const eventClickIds = new Set(clickEvents.map((e) => (JSON.parse(e.data) as { click: { id: string } }).click.id));
      expect(eventClickIds).toEqual(new Set(clicks.map((c) => c.id)));
      // Milestones 100 and 1 000 crossed once each, never again after the restart.
      expect(events.filter((e) => e.type === 'analytics.milestone')).toHaveLength(clicks.length >= 10_000 ? 3 : 2);
    } finally {
      await storage.close();
    }
  }, 120_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/storage/postgres.js';
import { http } from '../helpers/http.js';
import { createOwnCluster, type OwnCluster } from '../helpers/pg-cluster.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { sleep, until } from '../helpers/wait.js';

// Its own PostgreSQL cluster (own data directory and port), never the shared one: this test stops it.
const PORTS = [55520, 55521, 55522, 55523, 55524];
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('redirects while PostgreSQL is down', () => {
  const root = mkdtempSync(join(tmpdir(), 'linkwire-pg-outage-'));
  let server: ServerProcess | null = null;
  let cluster: OwnCluster;

  beforeAll(async () => {
    cluster = await createOwnCluster(PORTS);
  }, 60_000);
  afterAll(async () => {
    await server?.kill('SIGKILL');
    try {
      await cluster?.drop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('keep answering 302 for cached links, even past the cache TTL; the journal holds the clicks and nothing is lost or doubled once it is back', async () => {
    // A 1 s link cache: the entry expires during the 4 s outage, and its reload cannot reach the database.
    server = await startServerProcess({ LINKWIRE_DATABASE_URL: cluster.url, LINKWIRE_JOURNAL_DIR: join(root, 'journal'), LINKWIRE_LINK_CACHE_TTL_S: '1' });
    const signup = await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'outage@example.com', password: 'a long password' } });
    const key = signup.json().api_key as string;
    const link = (await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/outage' } })).json();
    const target = `${server.url}/${link.slug as string}`;

    const agent = new Agent({ connections: 16 });
    const answered: number[] = [];
    const other: { n: number; status: number; phase: string }[] = [];
    let phase = 'before';
    let sent = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const n = sent++;
        let status: number;
        try {
          const res = await request(`${target}?n=${n}`, { dispatcher: agent, headers: { 'user-agent': UA } });
          await res.body.dump();
          status = res.statusCode;
        } catch {
          status = -1; // no answer at all (the process gone): the assertions below show its output
        }
        if (status === 302) answered.push(n);
        else other.push({ n, status, phase });
        await sleep(2); // a steady storm, not a benchmark
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await sleep(1000);
    phase = 'down';
    await cluster.stop();
    const downFrom = answered.length;
    await sleep(4000);
    const duringOutage = answered.length - downFrom;
    const health = await http(server.url, 'GET', '/healthz');
    phase = 'up';
    await cluster.start();
    await sleep(1500);
    stop = true;
    await Promise.all(workers);
    await agent.close();

    // The process must outlive the outage: if it did not, its own output says why.
    expect(server.child.exitCode, server.output()).toBeNull();
    expect(server.child.signalCode, server.output()).toBeNull();
    expect(other, server.output()).toEqual([]);
    expect(duringOutage).toBeGreaterThan(200);
    expect(health.status).not.toBe(200); // the database is down, and /healthz says so

    await until('the journal to be ingested once PostgreSQL is back', async () => {
      const res = await http(server!.url, 'GET', '/healthz');
      return res.status === 200 && res.json<{ journal: { records_behind: number } }>().journal.records_behind === 0;
    }, 30_000);

    const storage = openPostgres(cluster.url);
    try {
      const row = await storage.db.selectFrom('links').select('clicks').where('id', '=', link.id).executeTakeFirstOrThrow();
      const clicks = await storage.db.selectFrom('clicks').select('params').where('link_id', '=', link.id).execute();
      const events = await storage.db.selectFrom('events').select('id').where('link_id', '=', link.id).where('type', '=', 'link.clicked').execute();
      const seen = new Map<string, number>();
      for (const c of clicks) {
        const n = (JSON.parse(c.params) as { n: string }).n;
        seen.set(n, (seen.get(n) ?? 0) + 1);
      }
      expect(clicks).toHaveLength(answered.length);
      for (const n of answered) expect(seen.get(String(n)), `click n=${n}`).toBe(1);
      expect(row.clicks).toBe(answered.length);
      expect(events).toHaveLength(answered.length);
      // Neither thread failed along the way (a failed worker thread is restarted and logged).
      expect(server.output()).not.toContain('worker thread failed');
    } finally {
      await storage.close();
    }
  }, 120_000);
});

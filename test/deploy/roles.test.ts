import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adoptLegacyJournalDir } from '../../src/clicks/journal/legacy-journal-dir.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

const VISITOR_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');

interface Proc {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * `linkwire serve` (dist/) in `cwd`, under the host name `host` when given: its own UTS namespace
 * (`unshare --uts`, root only), as a container redeployed with a new name gets.
 */
function serve(cwd: string, env: Record<string, string>, host?: string): Proc {
  const node = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} serve`;
  const [command, args] = host ? ['unshare', ['--uts', 'sh', '-c', `hostname ${host} && exec ${node}`]] : ['sh', ['-c', `exec ${node}`]];
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: join(ROOT, 'test/fixtures/tls/ca.pem'), HOST: '127.0.0.1', LINKWIRE_LOG_LEVEL: 'info', LINKWIRE_DNS_SERVER: '127.0.0.1:9', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  return {
    child,
    output: () => log,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    kill: (signal) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

async function healthy(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
}

describe('issue 24.3 / 21.16: every role on one host', () => {
  let db: TestDatabase | null = null;
  const servers: ServerProcess[] = [];
  const procs: Proc[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    for (const s of servers) await s.kill('SIGKILL');
    await db?.drop();
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  it('a worker beside the api needs no port: without LINKWIRE_HEALTH_PORT it listens nowhere, with it it answers /healthz and /metrics there', async () => {
    db = await createTestDatabase('postgres');
    const cwd = mkdtempSync(join(tmpdir(), 'linkwire-roles-'));
    dirs.push(cwd);
    const port = await freePort();
    const env = { LINKWIRE_DATABASE_URL: db.url, PORT: String(port) };
    const api = serve(cwd, { ...env, LINKWIRE_ROLE: 'api' });
    procs.push(api);
    await until('the api answers', () => healthy(port), 60_000);

    // The same environment (PORT included, as a unit file or compose service would share it).
    const worker = serve(cwd, { ...env, LINKWIRE_ROLE: 'worker' });
    procs.push(worker);
    await until('the worker says it runs', () => worker.output().includes('running without a listener') || worker.exited(), 60_000);
    expect(worker.exited(), worker.output()).toBe(false);
    expect(worker.output()).not.toContain('in use');

    const healthPort = await freePort();
    const watched = serve(cwd, { ...env, LINKWIRE_ROLE: 'worker', LINKWIRE_HEALTH_PORT: String(healthPort) });
    procs.push(watched);
    await until('the worker answers on its health port', async () => (await healthy(healthPort)) || watched.exited(), 60_000);
    expect(watched.exited(), watched.output()).toBe(false);
    const metrics = await fetch(`http://127.0.0.1:${healthPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('linkwire_');
    // Only health and metrics there: the API reference is the api process's.
    expect((await fetch(`http://127.0.0.1:${healthPort}/openapi.json`)).status).toBe(404);
    expect(await healthy(port)).toBe(true);

    // A health port beside a public role is a mistake, said so at start.
    expect(() => loadConfig({ LINKWIRE_ROLE: 'api,worker', LINKWIRE_HEALTH_PORT: '9100' })).toThrow(/worker-only/);
  }, 180_000);

  it('a redirect killed with clicks still in its journal, redeployed under a new host name on the same volume, ingests every click once', async () => {
    // The host names come from a UTS namespace of its own; that needs root, as on CI here.
    const probe = spawnSync('unshare', ['--uts', 'true']);
    expect(probe.status, `unshare --uts must work to change the host name: ${probe.stderr?.toString()}`).toBe(0);

    db ??= await createTestDatabase('postgres');
    const volume = mkdtempSync(join(tmpdir(), 'linkwire-volume-'));
    dirs.push(volume);
    const api = await startServerProcess({ LINKWIRE_DATABASE_URL: db.url, LINKWIRE_ROLE: 'api' });
    servers.push(api);
    const key = (await http(api.url, 'POST', '/api/auth/signup', { body: { email: 'redeploy@example.com', password: 'a long password' } })).json().api_key as string;
    const link = (await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/redeployed', slug: 'redeployed' } })).json<{ id: string }>();

    // The redirect's default journal directory (no LINKWIRE_JOURNAL_DIR), relative to its working directory: the volume.
    const port = await freePort();
    const env = { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_ROLE: 'redirect', PORT: String(port) };
    const first = serve(volume, env, 'redirect-a');
    procs.push(first);
    await until('the first redirect answers', async () => (await healthy(port)) || first.exited(), 60_000);
    expect(first.exited(), first.output()).toBe(false);

    // Hold the ingester off: while the test holds the clicks table, clicks stay in the journal.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    const clicks = 25;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE');
      for (let i = 0; i < clicks; i++) {
        // A browser's User-Agent: a script's (undici's) is a bot, counted in bot_clicks, not clicks.
        const res = await fetch(`http://127.0.0.1:${port}/redeployed?n=${i}`, { redirect: 'manual', headers: { 'user-agent': VISITOR_UA } });
        expect(res.status).toBe(302);
      }
      await first.kill('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
    const storage = db.open();
    const counts = async () => {
      const row = await storage.db
        .selectFrom('clicks')
        .where('link_id', '=', link.id)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const events = await storage.db
        .selectFrom('events')
        .where('link_id', '=', link.id)
        .where('type', '=', 'link.clicked')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return { clicks: Number(row.n), events: Number(events.n) };
    };
    try {
      expect(await counts()).toEqual({ clicks: 0, events: 0 });

      const second = serve(volume, env, 'redirect-b');
      procs.push(second);
      await until('the redeployed redirect answers', async () => (await healthy(port)) || second.exited(), 60_000);
      expect(second.exited(), second.output()).toBe(false);
      await until(`all ${clicks} clicks ingested`, async () => (await counts()).clicks >= clicks, 60_000).catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message}: ${JSON.stringify(await counts())}; journals in the volume: ${readdirSync(join(volume, 'data')).join(', ')}; ${second.output().slice(-2000)}`);
      });
      // Caught up (the journal reports nothing behind), then counted once each.
      await until('the journal caught up', async () => {
        const body = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { journal?: { records_behind: number } };
        return body.journal?.records_behind === 0;
      }, 30_000);
      expect(await counts()).toEqual({ clicks, events: clicks });
      const stats = (await http(api.url, 'GET', `/api/links/${link.id}`, { token: key })).json<{ clicks: number }>();
      expect(stats.clicks).toBe(clicks);
      expect(readdirSync(join(volume, 'data'))).toEqual([`journal-${port}`]);
    } finally {
      await storage.close();
    }
  }, 240_000);

  it('an upgrade takes over the journal the old default named after the host, and names the others', () => {
    const data = mkdtempSync(join(tmpdir(), 'linkwire-legacy-'));
    dirs.push(data);
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
    mkdirSync(join(data, `journal-${hostname()}-8080`));
    writeFileSync(join(data, `journal-${hostname()}-8080`, 'journal-id'), 'x\n');
    mkdirSync(join(data, 'journal-old-container-8080'));
    mkdirSync(join(data, 'journal-other-9090'));
    adoptLegacyJournalDir(join(data, 'journal-8080'), 8080, log);
    expect(existsSync(join(data, 'journal-8080', 'journal-id'))).toBe(true);
    expect(readdirSync(data).sort()).toEqual(['journal-8080', 'journal-old-container-8080', 'journal-other-9090']);
    expect(lines.join('\n')).toContain('journal-old-container-8080 may hold clicks');
    // Nothing to do once the directory exists.
    lines.length = 0;
    adoptLegacyJournalDir(join(data, 'journal-8080'), 8080, log);
    expect(lines).toEqual([]);
    expect(loadConfig({ LINKWIRE_DATABASE_URL: 'postgres://x@127.0.0.1/x', PORT: '8080' }).journalDir).toMatch(/\/data\/journal-8080$/);
  });
});

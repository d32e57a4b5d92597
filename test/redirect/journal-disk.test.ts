import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** Fills the file system under `dir` to the last page (a file of zeros); returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** `count` redirects, 16 at a time; the statuses they got. */
async function visit(server: ServerProcess, slug: string, count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await http(server.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA } });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return statuses;
}

const clicksOf = async (server: ServerProcess, key: string, id: string) => (await http(server.url, 'GET', `/api/links/${id}`, { token: key })).json<{ clicks: number }>().clicks;
const journalHealth = async (server: ServerProcess) => (await http(server.url, 'GET', '/healthz')).json<{ status: string; journal?: { write_error: string | null; records_behind: number } }>();
const segments = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.seg')) : []);

describe.each(DIALECTS)('the click journal on a full disk (%s, a real process on a 512 KiB tmpfs)', (dialect) => {
  const mount = mkdtempSync(join(tmpdir(), 'linkwire-fulldisk-'));
  let mounted = false;
  let db: TestDatabase | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db?.drop();
    if (mounted) execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('keeps answering 302 through the database, says so once, makes no empty segments, counts exactly the answered visits, recovers, and starts on a full disk', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mount]);
    mounted = true;
    const journalDir = join(mount, 'journal');
    db = await createTestDatabase(dialect);
    const env = { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_JOURNAL_DIR: journalDir };
    server = await startServerProcess(env);
    const key = (await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'disk@example.com', password: 'a long password' } })).json().api_key as string;
    const link = (await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/disk' } })).json<{ id: string; slug: string }>();

    expect(Object.fromEntries(await visit(server, link.slug, 20))).toEqual({ 302: 20 });
    const filler = fill(mount);

    // The disk is full: every visit still gets its redirect, and is counted (by the database path).
    expect(Object.fromEntries(await visit(server, link.slug, 400))).toEqual({ 302: 400 });
    expect(server.child.exitCode).toBeNull();
    const health = await journalHealth(server);
    expect(health.status).toBe('ok');
    expect(health.journal?.write_error).toMatch(/ENOSPC/);
    const metrics = (await http(server.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/^linkwire_journal_write_failing 1$/m);
    expect(segments(journalDir).length).toBeLessThanOrEqual(2);
    expect(server.output().match(/cannot be written/g)).toHaveLength(1);
    // Exactly the visits answered 302: none twice, none whose write failed half-way.
    await until('420 clicks counted', async () => (await clicksOf(server!, key, link.id)) === 420, 30_000);

    // Space again: the journal takes over again within a few seconds.
    rmSync(filler);
    await until('the journal written again', async () => {
      expect(Object.fromEntries(await visit(server!, link.slug, 10))).toEqual({ 302: 10 });
      return (await journalHealth(server!)).journal?.write_error === null;
    }, 20_000);
    const afterRecovery = await visit(server, link.slug, 100);
    expect(Object.fromEntries(afterRecovery)).toEqual({ 302: 100 });
    const total = await until('every answered click counted', async () => {
      const clicks = await clicksOf(server!, key, link.id);
      // 420 + the probes above + 100; the ingester catches up with whatever the probes were.
      const health = await journalHealth(server!);
      return clicks >= 520 && health.journal?.records_behind === 0 ? clicks : null;
    }, 30_000);
    expect((total - 520) % 10).toBe(0);
    expect((await http(server.url, 'GET', '/metrics')).text).toMatch(/^linkwire_journal_write_failing 0$/m);

    // A start on a full disk serves too (through the database).
    await server.kill('SIGTERM');
    fill(mount);
    server = await startServerProcess(env);
    expect(Object.fromEntries(await visit(server, link.slug, 50))).toEqual({ 302: 50 });
    await until('the clicks of the full-disk start counted', async () => (await clicksOf(server!, key, link.id)) === total + 50, 30_000);
    expect(server.child.exitCode).toBeNull();
  }, 180_000);
});

describe.each(DIALECTS)('the click journal directory removed while the server runs (%s, a real process)', (dialect) => {
  const journalDir = join(mkdtempSync(join(tmpdir(), 'linkwire-removed-')), 'journal');
  let db: TestDatabase | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db?.drop();
    rmSync(join(journalDir, '..'), { recursive: true, force: true });
  });

  it('is recreated, keeps answering 302, and every answered click is counted', async () => {
    db = await createTestDatabase(dialect);
    mkdirSync(journalDir, { recursive: true });
    server = await startServerProcess({ LINKWIRE_DATABASE_URL: db.url, LINKWIRE_JOURNAL_DIR: journalDir });
    const key = (await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'gone@example.com', password: 'a long password' } })).json().api_key as string;
    const link = (await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/gone' } })).json<{ id: string; slug: string }>();

    expect(Object.fromEntries(await visit(server, link.slug, 50))).toEqual({ 302: 50 });
    await until('the first clicks counted', async () => (await clicksOf(server!, key, link.id)) === 50, 30_000);
    rmSync(journalDir, { recursive: true, force: true });
    // Visits for a few seconds: the writer notices within a second.
    let answered = 50;
    const startedAt = Date.now();
    while (Date.now() - startedAt < 3_000) {
      const statuses = await visit(server, link.slug, 20);
      expect(Object.fromEntries(statuses)).toEqual({ 302: 20 });
      answered += 20;
    }
    await until(`all ${answered} answered clicks counted`, async () => (await clicksOf(server!, key, link.id)) === answered, 30_000);
    expect(existsSync(join(journalDir, 'journal-id'))).toBe(true);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).toMatch(/was removed while in use: recreated/);
  }, 120_000);
});

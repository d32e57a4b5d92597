import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvTable as parseCsv } from '../../src/csv/csv.js';
import { parseCidr } from '../../src/net/cidr.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/*
 * The built CLI (`node dist/main.js`, what `npm test` builds first) as a real process, against
 * a real server on a free port.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: <T = any>() => T;
}

let app: TestApp;
let receiver: Receiver;
let key: string;
let home: string;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.LINKWIRE_API_KEY;
  delete base.LINKWIRE_URL;
  return { ...base, XDG_CONFIG_HOME: home, NO_COLOR: '1', LINKWIRE_URL: app.url, LINKWIRE_API_KEY: key, ...extra };
}

function cli(args: string[], extra: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: env(extra), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(stdin ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` (npm test does) before this suite');
  home = mkdtempSync(join(tmpdir(), 'linkwire-cli-'));
  receiver = await startReceiver();
  app = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
  key = (await app.signup()).key;
});

afterAll(async () => {
  await app?.close();
  await receiver?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('linkwire CLI against a real server', () => {
  it('links create, get, update, list and delete with --json', async () => {
    const created = await cli(['links', 'create', 'https://example.com/cli', '--slug', 'cli-made', '--tag', 'a,b', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const link = created.json<{ id: string; short_url: string; slug: string; tags: string[] }>();
    expect(link.slug).toBe('cli-made');
    expect(link.tags).toEqual(['a', 'b']);

    const plain = await cli(['links', 'create', 'https://example.com/plain']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim()).toMatch(/^http:\/\/localhost:8080\/\w+$/);

    const got = await cli(['links', 'get', link.id, '--json']);
    expect(got.json<{ id: string }>().id).toBe(link.id);
    const updated = await cli(['links', 'update', link.id, '--title', 'Made by the CLI', '--json']);
    expect(updated.json<{ title: string }>().title).toBe('Made by the CLI');

    const listed = await cli(['--json', 'links', 'list', '--tag', 'a']);
    expect(listed.code).toBe(0);
    expect(listed.json<{ data: { id: string }[] }>().data.map((l) => l.id)).toEqual([link.id]);
    const piped = await cli(['links', 'list']);
    expect(piped.stdout.split('\n')[0]).toBe('id\tshort_url\turl\tclicks\ttags\tcreated_at');

    const deleted = await cli(['links', 'delete', link.id]);
    expect(deleted.code).toBe(0);
    const gone = await cli(['links', 'get', link.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/error: .*NOT_FOUND, HTTP 404/);
  });

  it('imports a CSV and exports it back (quotes, commas, tags), with progress on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-csv-'));
    const input = join(dir, 'in.csv');
    writeFileSync(
      input,
      'url,slug,title,tags\r\nhttps://example.com/1,imp-one,"Hello, world",x|y\r\nhttps://example.com/2,imp-two,"Say ""hi""",\r\nhttps://example.com/3,imp-three,,z\r\nhttps://example.com/4,imp-four,=1+1 rounds,\r\n',
    );
    const imported = await cli(['links', 'import', input, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json<{ data: unknown[] }>().data).toHaveLength(4);
    expect(imported.stderr).toContain('imported 4/4');

    const output = join(dir, 'out.csv');
    const exported = await cli(['links', 'export', '--output', output]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/exported \d+ links to/);
    const written = readFileSync(output, 'utf8');
    // The one CSV module (src/csv/csv.ts) writes it: a formula goes out inert, with an apostrophe.
    expect(written).toContain(",'=1+1 rounds,");
    const { header, rows } = parseCsv(written);
    const bySlug = new Map(rows.map((r) => [r[header.indexOf('slug')], r]));
    const field = (slug: string, name: string) => bySlug.get(slug)![header.indexOf(name)];
    expect(field('imp-one', 'title')).toBe('Hello, world');
    expect(field('imp-one', 'tags')).toBe('x|y');
    expect(field('imp-two', 'title')).toBe('Say "hi"');
    expect(field('imp-three', 'url')).toBe('https://example.com/3');
    expect(field('imp-four', 'title')).toBe('=1+1 rounds');

    // The export imports again as it is: empty the workspace, import, and the same links are back.
    const before = rows.map((r) => [field(r[header.indexOf('slug')]!, 'slug'), field(r[header.indexOf('slug')]!, 'url'), field(r[header.indexOf('slug')]!, 'title'), field(r[header.indexOf('slug')]!, 'tags')]);
    const cleared = await app.api('POST', '/api/links/bulk-delete', { ids: rows.map((r) => r[header.indexOf('id')]) }, key);
    expect(cleared.status, cleared.text).toBeLessThan(300);
    const reimport = await cli(['links', 'import', output]);
    expect(reimport.code, reimport.stderr).toBe(0);
    const again = await cli(['links', 'export']);
    const second = parseCsv(again.stdout);
    const after = second.rows.map((r) => ['slug', 'url', 'title', 'tags'].map((f) => r[second.header.indexOf(f)]));
    expect(after.sort()).toEqual(before.sort());

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'url,slug\nhttps://example.com/ok,dup-slug\nhttps://example.com/ok2,dup-slug\n');
    const refused = await cli(['links', 'import', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/row 3: .*slug/i); // the first row is imported, the second named
    rmSync(dir, { recursive: true, force: true });
  });

  it('webhooks create, test, pause, resume, rotate-secret; deliveries list, get and replay', async () => {
    const created = await cli(['webhooks', 'create', receiver.url, '--events', 'link.created', '--name', 'cli hook', '--payload-version', '2026-12-01', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const hook = created.json<{ id: string; secret: string; payload_version: string }>();
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.payload_version).toBe('2026-12-01');

    const test = await cli(['webhooks', 'test', hook.id, '--json']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.json<{ success: boolean; status_code: number }>()).toMatchObject({ success: true, status_code: 200 });
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);

    expect((await cli(['webhooks', 'pause', hook.id, '--json'])).json<{ active: boolean }>().active).toBe(false);
    expect((await cli(['webhooks', 'resume', hook.id, '--json'])).json<{ active: boolean }>().active).toBe(true);
    const rotated = await cli(['webhooks', 'rotate-secret', hook.id]);
    expect(rotated.stdout.trim()).toMatch(/^whsec_/);
    expect(rotated.stdout.trim()).not.toBe(hook.secret);
    const list = await cli(['webhooks', 'list', '--json']);
    expect(list.json<{ data: { id: string }[] }>().data.map((w) => w.id)).toContain(hook.id);

    await cli(['links', 'create', 'https://example.com/for-hook']);
    const deliveries = await until('a delivery of link.created', async () => {
      const r = await cli(['deliveries', 'list', '--webhook', hook.id, '--status', 'succeeded', '--json']);
      const data = r.json<{ data: { id: string; type: string }[] }>().data.filter((d) => d.type === 'link.created');
      return data.length ? data : null;
    });
    const detail = await cli(['deliveries', 'get', deliveries[0]!.id, '--json']);
    expect(detail.json<{ attempts: { status_code: number }[] }>().attempts[0]!.status_code).toBe(200);
    const replay = await cli(['deliveries', 'replay', deliveries[0]!.id]);
    expect(replay.code, replay.stderr).toBe(0);
    const events = await cli(['events', 'list', '--type', 'link.created', '--limit', '2', '--json']);
    expect(events.json<{ data: { type: string }[] }>().data.every((e) => e.type === 'link.created')).toBe(true);
  });

  it('exit codes and messages: a bad key is 1 with the reason in words, usage mistakes are 2', async () => {
    const bad = await cli(['links', 'list'], { LINKWIRE_API_KEY: 'lw_live_not-a-key' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('API key is invalid or revoked (UNAUTHORIZED, HTTP 401)');

    const noKey = await cli(['links', 'list'], { LINKWIRE_API_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key');
    expect((await cli(['links', 'frobnicate'])).code).toBe(2);
    const unknown = await cli(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "bogus"');
    expect((await cli(['webhooks', 'create', 'https://example.com/x'])).code).toBe(2); // --events missing
    const badEvents = await cli(['webhooks', 'create', 'https://example.com/x', '--events', 'click']);
    expect(badEvents.code).toBe(1);
    expect(badEvents.stderr).toContain('INVALID_EVENTS');
    const down = await cli(['links', 'list'], { LINKWIRE_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Linkwire at http://127.0.0.1:9');
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('listen');
  });

  it('login saves a 0600 profile that later commands use; email and password log in too', async () => {
    const saved = await cli(['login', '--api-key', key], { LINKWIRE_API_KEY: '' });
    expect(saved.code, saved.stderr).toBe(0);
    const path = join(home, 'linkwire', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ url: app.url, api_key: key });
    const viaProfile = await cli(['links', 'list', '--json'], { LINKWIRE_API_KEY: '', LINKWIRE_URL: '' });
    expect(viaProfile.code, viaProfile.stderr).toBe(0);

    const user = await app.signup();
    const withPassword = await cli(['login', '--email', user.email, '--password', 'correct horse battery', '--json'], { LINKWIRE_API_KEY: '' });
    expect(withPassword.code, withPassword.stderr).toBe(0);
    expect(withPassword.json<{ workspace_id: string }>().workspace_id).toBe(user.workspaceId);
    const profile = JSON.parse(readFileSync(path, 'utf8')) as { api_key: string };
    expect(profile.api_key).not.toBe(key);
    const wrong = await cli(['login', '--email', user.email, '--password', 'wrong password!'], { LINKWIRE_API_KEY: '' });
    expect(wrong.code).toBe(1);
    writeFileSync(path, JSON.stringify({ url: app.url, api_key: key }));
  });

  it('listen --forward-to delivers a signed event to a local HTTP server within 2 s of the change', async () => {
    const got: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
    const local: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body, at: Date.now() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    const port = (local.address() as AddressInfo).port;
    let out = '';
    const child: ChildProcess = spawn(process.execPath, [MAIN, 'listen', '--forward-to', `http://127.0.0.1:${port}/hooks`, '--events', 'link.created', '--json'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const ready = await until('listen to be ready', () => out.split('\n').find((l) => l.includes('"ready":true')));
      const { secret } = JSON.parse(ready) as { secret: string };
      expect(secret).toMatch(/^whsec_/);

      const changedAt = Date.now();
      const created = await app.api('POST', '/api/links', { url: 'https://example.com/listened' }, key);
      expect(created.status).toBe(201);
      await until('the forwarded event', () => got.length > 0, 5000);
      expect(got[0]!.at - changedAt).toBeLessThan(2000);

      const { headers, body } = got[0]!;
      const event = new Webhook(secret).verify(body, headers as Record<string, string>) as { type: string; data: { link: { id: string } } };
      expect(event.type).toBe('link.created');
      expect(event.data.link.id).toBe(created.json().id);
      expect(headers['x-linkwire-event']).toBe('link.created');
      expect(headers['x-linkwire-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(headers['x-linkwire-delivery']).toMatch(/^dlv_/);
      expect(headers['user-agent']).toMatch(/^Linkwire-Webhooks\//);
      expect(() => new Webhook(secret).verify(body.replace('listened', 'tampered'), headers as Record<string, string>)).toThrow();

      const line = await until('the printed result', () => out.split('\n').find((l) => l.includes('"status_code"')));
      expect(JSON.parse(line)).toMatchObject({ type: 'link.created', status_code: 204 });
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('close', r));
      await new Promise<void>((r) => local.close(() => r()));
    }
  });
});

describe('linkwire admin on a SQLite file', () => {
  it('create-user, list-workspaces, set-plan and reset-password work on the database directly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-admin-'));
    const db = { LINKWIRE_DATABASE_URL: `sqlite:${join(dir, 'lw.db')}`, LINKWIRE_API_KEY: '' };
    try {
      const created = await cli(['admin', 'create-user', 'ops@example.com', '--json'], db);
      expect(created.code, created.stderr).toBe(0);
      const made = created.json<{ workspace: { id: string; plan: string }; password: string; api_key: string }>();
      expect(made.password.length).toBeGreaterThanOrEqual(16);
      expect(made.api_key).toMatch(/^lw_/);

      const listed = await cli(['admin', 'list-workspaces', '--json'], db);
      expect(listed.json<{ data: { id: string; owner_email: string; plan: string }[] }>().data).toEqual([
        expect.objectContaining({ id: made.workspace.id, owner_email: 'ops@example.com', plan: made.workspace.plan }),
      ]);

      const plan = await cli(['admin', 'set-plan', made.workspace.id, 'enterprise', '--json'], db);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.json<{ plan: string }>().plan).toBe('enterprise');
      const badPlan = await cli(['admin', 'set-plan', made.workspace.id, 'platinum'], db);
      expect(badPlan.code).toBe(2);
      expect(badPlan.stderr).toContain('unknown plan "platinum"');
      const noWorkspace = await cli(['admin', 'set-plan', 'ws_nope', 'pro'], db);
      expect(noWorkspace.code).toBe(2);

      const reset = await cli(['admin', 'reset-password', 'ops@example.com', '--password', 'a brand new password'], db);
      expect(reset.code, reset.stderr).toBe(0);
      const twofa = await cli(['admin', 'disable-2fa', 'ops@example.com', '--json'], db);
      expect(twofa.code, twofa.stderr).toBe(0);
      expect(twofa.json()).toMatchObject({ email: 'ops@example.com', was_enabled: false });
      const missing = await cli(['admin', 'reset-password', 'nobody@example.com'], db);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('No user with the email nobody@example.com');

      const storage = openSqlite(join(dir, 'lw.db'));
      try {
        const events = await storage.db.selectFrom('events').select('type').where('workspace_id', '=', made.workspace.id).execute();
        expect(events.map((e) => e.type)).toContain('account.upgraded');
        const { verifyPassword } = await import('../../src/accounts/passwords.js');
        const user = await storage.db.selectFrom('users').selectAll().where('email', '=', 'ops@example.com').executeTakeFirstOrThrow();
        expect(await verifyPassword('a brand new password', user.password_hash)).toBe(true);
      } finally {
        await storage.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

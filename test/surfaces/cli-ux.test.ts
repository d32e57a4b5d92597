import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { createTestDatabase } from '../helpers/databases.js';
import { DIALECTS } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/*
 * The CLI fixes of issue 21 item 23: the built CLI (`node dist/main.js`) as a real process,
 * against a real server on each dialect (what the commands show comes from the database).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');
/** Anything a terminal would act on: C0/C1 controls (ESC above all), DEL, bidi overrides. */
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: <T = any>() => T;
}

describe.each(DIALECTS)('linkwire CLI fixes on %s', (dialect) => {
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

  /** `tty`: run under script(1), so stdout is a terminal and the CLI prints its tables. */
  function cli(args: string[], extra: Record<string, string> = {}, tty = false): Promise<Run> {
    return new Promise((resolve, reject) => {
      const command = tty ? 'script' : process.execPath;
      const argv = tty ? ['-qec', [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '), '/dev/null'] : [MAIN, ...args];
      const child = spawn(command, argv, { env: env(extra), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end('');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
      });
    });
  }

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` (npm test does) before this suite');
    home = mkdtempSync(join(tmpdir(), 'linkwire-cli-ux-'));
    receiver = await startReceiver();
    app = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    key = (await app.signup()).key;
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('never prints a title’s or tag’s control characters raw: escaped in tables, plain lines and fields', async () => {
    const created = await app.api('POST', '/api/links', { url: 'https://example.com/ctl', slug: `ctl-${dialect}`, title: 'plain', tags: ['plain'] }, key);
    expect(created.status, created.text).toBe(201);
    const id = created.json().id as string;
    // Written as an older version (or another client) may have left them: the API refuses such text today.
    const title = 'Sale\u001b]0;pwned\u0007\u001b[2J\u001b[31mRED\u202eevil\u0085';
    const tag = 'tag\u001b[1m\r\nforged';
    await app.storage.db.updateTable('links').set({ title, tags: JSON.stringify([tag]) }).where('id', '=', id).execute();
    const shown = (await app.api('GET', `/api/links/${id}`, undefined, key)).json();
    expect(shown.title).toBe(title);
    expect(shown.tags).toEqual([tag]);

    const piped = await cli(['links', 'list', '--search', `ctl-${dialect}`]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).not.toMatch(RAW_CONTROL);
    expect(piped.stdout).toContain('tag\\x1b[1m\\r\\nforged');
    expect(piped.stdout.trim().split('\n')).toHaveLength(2); // the header and one row: no forged line

    const table = await cli(['links', 'list', '--search', `ctl-${dialect}`], {}, true);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('┌'); // a terminal got the table
    expect(table.stdout).not.toMatch(RAW_CONTROL);

    const fields = await cli(['links', 'get', id]);
    expect(fields.stdout).not.toMatch(RAW_CONTROL);
    expect(fields.stdout).toContain('Sale\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mRED\\u202eevil\\x85');
    // --json keeps the data exactly (JSON escapes it itself).
    expect((await cli(['links', 'get', id, '--json'])).json().title).toBe(title);
  });

  it('webhooks list tells "disabled" (with the reason) apart from "paused"', async () => {
    const make = async (name: string) => (await app.api('POST', '/api/webhooks', { name, url: receiver.url, events: ['link.created'] }, key)).json().id as string;
    const [live, paused, disabled] = [await make('live'), await make('paused'), await make('disabled')];
    expect((await cli(['webhooks', 'pause', paused])).code).toBe(0);
    // What the delivery worker does after an endpoint kept failing (src/delivery/result-writer.ts).
    await app.storage.db
      .updateTable('webhooks')
      .set({ active: 0, disabled_at: Date.now(), disabled_reason: 'failing for 5 days (last: HTTP 500)' })
      .where('id', '=', disabled)
      .execute();
    const listed = await cli(['webhooks', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    const [header, ...rows] = listed.stdout.trim().split('\n').map((l) => l.split('\t'));
    const state = (id: string) => rows.find((r) => r[0] === id)![header!.indexOf('state')];
    expect(state(live)).toBe('active');
    expect(state(paused)).toBe('paused');
    expect(state(disabled)).toBe('disabled: failing for 5 days (last: HTTP 500)');
  });

  it('deliveries get shows the request (headers and body) and what the endpoint answered', async () => {
    receiver.setResponder(() => ({ status: 202, headers: { 'content-type': 'application/json' }, body: '{"accepted":true,"note":"queued for CRM"}' }));
    try {
      const hook = (await app.api('POST', '/api/webhooks', { name: 'bodies', url: receiver.url, events: ['link.created'] }, key)).json().id as string;
      const test = await cli(['webhooks', 'test', hook, '--json']);
      expect(test.code, test.stderr).toBe(0);
      const { delivery_id: deliveryId, event_id: eventId } = test.json<{ delivery_id: string; event_id: string }>();
      const shown = await cli(['deliveries', 'get', deliveryId]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(`request  POST ${receiver.url}`);
      expect(shown.stdout).toMatch(/^ {2}content-type: application\/json$/m);
      expect(shown.stdout).toContain('request body');
      expect(shown.stdout).toContain(`"id": "${eventId}"`);
      expect(shown.stdout).toContain('attempt 1 response body (202)');
      expect(shown.stdout).toContain('"note": "queued for CRM"');
    } finally {
      receiver.setResponder(() => ({}));
    }
  });

  it('links import imports the good rows and names each bad one by its CSV row number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-import-'));
    try {
      const file = join(dir, 'links.csv');
      const s = (n: string) => `imp-${dialect}-${n}`;
      writeFileSync(
        file,
        [
          'url,slug,title,max_clicks',
          `https://example.com/1,${s('one')},First,`,
          `not a url,${s('two')},Bad URL,`,
          `https://example.com/3,${s('three')},"Multi-line\ntitle",x`,
          `https://example.com/4,${s('one')},Duplicate slug,`,
          `https://example.com/5,${s('five')},Fifth,10`,
        ].join('\r\n'),
      );
      const run = await cli(['links', 'import', file, '--json']);
      expect(run.code, run.stderr).toBe(1);
      const out = run.json<{ data: { slug: string }[]; errors: { row: number; message: string }[] }>();
      expect(out.data.map((l) => l.slug)).toEqual([s('one'), s('five')]);
      expect(out.errors.map((e) => e.row)).toEqual([3, 4, 5]);
      expect(out.errors[1]!.message).toContain('max_clicks must be a whole number');
      expect(run.stderr).toMatch(/row 3: .*url/i);
      expect(run.stderr).toMatch(/row 5: .*slug/i);
      expect(run.stderr).toContain('imported 2 of 5 rows; not imported: 3 (rows 3, 4, 5)');
      const listed = (await app.api('GET', `/api/links?search=imp-${dialect}-&limit=100`, undefined, key)).json().data.map((l: { slug: string }) => l.slug);
      expect(listed.sort()).toEqual([s('five'), s('one')]);

      // Plain output: which row became which link.
      const ok = join(dir, 'ok.csv');
      writeFileSync(ok, `url,slug\nhttps://example.com/6,${s('six')}\n`);
      const plain = await cli(['links', 'import', ok]);
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout.split('\n')[0]).toBe('row\tid\tshort_url\turl');
      expect(plain.stdout.split('\n')[1]).toMatch(new RegExp(`^2\\tlnk_\\w+\\t\\S+/${s('six')}\\thttps://example.com/6$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listen forwards concurrently: a local endpoint that hangs, or answers an endless body, holds up no other event', async () => {
    const requests: { res: ServerResponse; type: string }[] = [];
    const local: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const n = requests.push({ res, type: JSON.parse(body).type });
        if (n === 1) return; // the first: no answer at all until the test says so
        // The others: 200 and a body that never ends.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = 'x'.repeat(16 * 1024);
        const timer = setInterval(() => res.write(chunk), 5);
        res.on('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    const port = (local.address() as AddressInfo).port;
    let out = '';
    const child = spawn(process.execPath, [MAIN, 'listen', '--forward-to', `http://127.0.0.1:${port}/hooks`, '--events', 'link.created', '--json'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const results = () => out.split('\n').filter((l) => l.includes('"status_code"')).map((l) => JSON.parse(l) as { status_code: number | null; event_id: string });
    try {
      await until('listen to be ready', () => out.includes('"ready":true'), 15_000);
      for (const n of [1, 2, 3]) expect((await app.api('POST', '/api/links', { url: `https://example.com/listen/${n}` }, key)).status).toBe(201);
      // The first is still unanswered, yet the next two arrive and are reported done.
      await until('three forwards', () => requests.length >= 3, 8000);
      await until('two results', () => results().length >= 2, 8000);
      expect(results().every((r) => r.status_code === 200)).toBe(true);
      expect(requests[0]!.res.headersSent).toBe(false);
      requests[0]!.res.writeHead(204).end();
      await until('the first result', () => results().some((r) => r.status_code === 204), 8000);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('close', r));
      local.closeAllConnections();
      await new Promise<void>((r) => local.close(() => r()));
    }
  });
});

describe('linkwire login writes its profile safely', () => {
  let app: TestApp;
  let key: string;
  let home: string;

  beforeAll(async () => {
    app = await startTestApp('sqlite');
    key = (await app.signup()).key;
    home = mkdtempSync(join(tmpdir(), 'linkwire-login-'));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const login = (xdg: string) =>
    new Promise<Run>((resolve, reject) => {
      const base = { ...process.env };
      delete base.LINKWIRE_API_KEY;
      const child = spawn(process.execPath, [MAIN, 'login', '--api-key', key], { env: { ...base, XDG_CONFIG_HOME: xdg, NO_COLOR: '1', LINKWIRE_URL: app.url }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
    });

  it('refuses to write through a symlink: the key never lands where the link points', async () => {
    const xdg = join(home, 'symlinked');
    mkdirSync(join(xdg, 'linkwire'), { recursive: true });
    const elsewhere = join(home, 'elsewhere.txt');
    writeFileSync(elsewhere, 'not yours\n', { mode: 0o644 });
    symlinkSync(elsewhere, join(xdg, 'linkwire', 'config.json'));
    const run = await login(xdg);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is a symbolic link');
    expect(readFileSync(elsewhere, 'utf8')).toBe('not yours\n');
    expect(statSync(elsewhere).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(xdg, 'linkwire'))).toEqual(['config.json']); // no temporary file left behind
  });

  it('replaces the profile atomically with a new 0600 file: a hard link to the old one keeps the old content', async () => {
    const xdg = join(home, 'linked');
    mkdirSync(join(xdg, 'linkwire'), { recursive: true });
    const path = join(xdg, 'linkwire', 'config.json');
    writeFileSync(path, JSON.stringify({ url: 'http://old.example', api_key: 'lw_old' }), { mode: 0o644 });
    const shared = join(home, 'shared-copy.json');
    linkSync(path, shared);
    const run = await login(xdg);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ url: app.url, api_key: key });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(shared, 'utf8')).not.toContain(key);
    expect(statSync(path).ino).not.toBe(statSync(shared).ino);
    expect(readdirSync(join(xdg, 'linkwire'))).toEqual(['config.json']);
  });
});

describe.each(DIALECTS)('linkwire admin validates like the API on %s', (dialect) => {
  it('refuses a malformed email, a short password and an empty workspace name, and writes nothing', async () => {
    const db = await createTestDatabase(dialect);
    const home = mkdtempSync(join(tmpdir(), 'linkwire-admin-ux-'));
    const run = (args: string[]) =>
      new Promise<Run>((resolve, reject) => {
        const base = { ...process.env };
        delete base.LINKWIRE_API_KEY;
        const child = spawn(process.execPath, [MAIN, 'admin', ...args], { env: { ...base, XDG_CONFIG_HOME: home, NO_COLOR: '1', LINKWIRE_DATABASE_URL: db.url, LINKWIRE_CLICK_JOURNAL: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
      });
    try {
      for (const [args, words] of [
        [['create-user', 'not-an-email'], 'email must match format "email"'],
        [['create-user', 'ops@example.com', '--password', 'short'], 'password must NOT have fewer than 8 characters'],
        [['create-user', 'ops@example.com', '--workspace-name', ''], '--workspace-name must NOT have fewer than 1 characters'],
        [['create-user', `${'a'.repeat(250)}@example.com`], 'email must NOT have more than 254 characters'],
      ] as const) {
        const refused = await run([...args]);
        expect(refused.code, `${args.join(' ')}: ${refused.stderr}`).toBe(2);
        expect(refused.stderr).toContain(words);
      }
      const made = await run(['create-user', 'ops@example.com', '--json']);
      expect(made.code, made.stderr).toBe(0);
      const short = await run(['reset-password', 'ops@example.com', '--password', 'short']);
      expect(short.code).toBe(2);
      expect(short.stderr).toContain('password must NOT have fewer than 8 characters');
      const storage = db.open();
      try {
        const users = await storage.db.selectFrom('users').select('email').execute();
        expect(users.map((u) => u.email)).toEqual(['ops@example.com']);
        const { verifyPassword } = await import('../../src/accounts/passwords.js');
        const user = await storage.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
        expect(await verifyPassword('short', user.password_hash)).toBe(false);
      } finally {
        await storage.close();
      }
    } finally {
      await db.drop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

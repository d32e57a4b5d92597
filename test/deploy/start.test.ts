import { spawn, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { staleReason } from '../../scripts/build-if-stale.mjs';
import { freePort } from '../../support/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('issue 24.4: npm start only starts; it builds when a source changed', () => {
  const temps: string[] = [];
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('install builds once (prepare) and start reuses that build', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/build-if-stale.mjs');
    expect(pkg.scripts.start).toBe('node scripts/build-if-stale.mjs --serve');
    expect(pkg.scripts.build).toMatch(/build-if-stale\.mjs --stamp$/);
  });

  it('a checkout is stale without a build, fresh after one, stale again when a source, a dashboard file or a config file changes or a file is deleted', () => {
    const root = temp('linkwire-stale-');
    mkdirSync(join(root, 'src/links'), { recursive: true });
    mkdirSync(join(root, 'dashboard/src'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    for (const file of ['src/main.ts', 'src/links/link.ts', 'src/links/link.test.ts', 'dashboard/src/app.tsx', 'package.json', 'tsconfig.json']) writeFileSync(join(root, file), '');
    expect(staleReason(root)).toBe('no complete build in dist/');

    const past = new Date(Date.now() - 60_000);
    const everything = ['src/main.ts', 'src/links/link.ts', 'src/links/link.test.ts', 'src/links', 'src', 'dashboard/src/app.tsx', 'dashboard/src', 'dashboard', 'package.json', 'tsconfig.json'];
    const age = () => everything.forEach((path) => utimesSync(join(root, path), past, past));
    age();
    writeFileSync(join(root, 'dist/.build-stamp'), 'built\n');
    expect(staleReason(root)).toBeNull();

    // A test file is not part of the build.
    utimesSync(join(root, 'src/links/link.test.ts'), new Date(), new Date());
    expect(staleReason(root)).toBeNull();

    utimesSync(join(root, 'src/links/link.ts'), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    expect(staleReason(root)).toBe('src/ changed since the last build');
    age();
    utimesSync(join(root, 'dashboard/src/app.tsx'), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    expect(staleReason(root)).toBe('dashboard/ changed since the last build');
    age();
    utimesSync(join(root, 'tsconfig.json'), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    expect(staleReason(root)).toBe('tsconfig.json changed since the last build');
    age();
    rmSync(join(root, 'src/main.ts'));
    utimesSync(join(root, 'src'), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    expect(staleReason(root)).toBe('src/ changed since the last build');
  });

  it('`npm start` on a built checkout serves /healthz without rebuilding, on the database it is given', async () => {
    // Whatever the suite ran before, the checkout is built now (this is `npm install`'s prepare step).
    await run(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const builtAt = statSync(join(ROOT, 'dist/main.js')).mtimeMs;
    const dir = temp('linkwire-start-');
    const port = await freePort();
    const started = performance.now();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LINKWIRE_DATABASE_URL: `sqlite:${join(dir, 'linkwire.db')}`, LINKWIRE_LOG_LEVEL: 'warn', LINKWIRE_DNS_SERVER: '127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let healthy = false;
    try {
      // Generous: the machine is shared; the point is that no build runs, which the mtime shows.
      while (!healthy && performance.now() - started < 60_000 && child.exitCode === null) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(healthy, output).toBe(true);
      expect(output).not.toContain('building');
      expect(statSync(join(ROOT, 'dist/main.js')).mtimeMs).toBe(builtAt);
      expect(statSync(join(dir, 'linkwire.db')).isFile()).toBe(true);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
    }
  }, 240_000);
});

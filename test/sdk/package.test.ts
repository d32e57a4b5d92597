import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidrList } from '../../src/net/cidr.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test/sdk/fixtures');
const TLS = join(ROOT, 'test/fixtures/tls');

interface Installed {
  name: string;
  version: string;
  path: string;
  scripts: Record<string, string>;
}

/** Every package under node_modules (scoped and nested ones too). */
async function installedPackages(nodeModules: string): Promise<Installed[]> {
  if (!existsSync(nodeModules)) return [];
  const out: Installed[] = [];
  for (const entry of await readdir(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@') ? (await readdir(join(nodeModules, entry))).map((e) => join(entry, e)) : [entry];
    for (const dir of dirs) {
      const path = join(nodeModules, dir);
      const manifest = JSON.parse(await readFile(join(path, 'package.json'), 'utf8')) as { name: string; version: string; scripts?: Record<string, string> };
      out.push({ name: manifest.name, version: manifest.version, path, scripts: manifest.scripts ?? {} });
      out.push(...(await installedPackages(join(path, 'node_modules'))));
    }
  }
  return out;
}

async function filesUnder(dir: string): Promise<{ path: string; bytes: number }[]> {
  const out: { path: string; bytes: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push({ path, bytes: (await stat(path)).size });
  }
  return out;
}

/*
 * @linkwire/sdk as a user gets it: sdk/ packed with `npm pack` (after the build), the tarball
 * installed into an empty project with `npm install --offline` — its dependency openapi-fetch (and
 * that one's) packed from this checkout's node_modules, so no test reaches the registry — then a
 * script there imports `@linkwire/sdk` and drives a real server: signup → link → webhook → a real
 * HTTPS delivery to the script's own node:https receiver → verifyWebhook.
 */
describe('issue 24.1: @linkwire/sdk installed from its packed tarball into an empty project', () => {
  let dir: string;
  let t: TestApp;
  let installLog = '';

  beforeAll(async () => {
    await run(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    dir = await mkdtemp(join(tmpdir(), 'linkwire-sdk-'));
    const pack = async (cwd: string, target = '.') => {
      const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir, target], { cwd, maxBuffer: 16 * 1024 * 1024 });
      return stdout.trim().split('\n').pop()!;
    };
    const sdk = await pack(join(ROOT, 'sdk'));
    const fetchClient = await pack(ROOT, './node_modules/openapi-fetch');
    const helpers = await pack(ROOT, './node_modules/openapi-typescript-helpers');
    // The SDK names openapi-fetch by version, as on the registry; the tarballs stand in for the registry.
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'sdk-user', private: true, type: 'module', dependencies: { '@linkwire/sdk': `file:./${sdk}`, 'openapi-fetch': `file:./${fetchClient}`, 'openapi-typescript-helpers': `file:./${helpers}` } }),
    );
    const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    installLog = installed.stdout + installed.stderr;
    await copyFile(join(FIXTURES, 'consumer.mjs'), join(dir, 'consumer.mjs'));
    await copyFile(join(FIXTURES, 'consumer-types.ts'), join(dir, 'consumer-types.ts'));
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: parseCidrList('127.0.0.1/32') } });
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('brings 3 packages, well under 1 MB, with no install script and no native code', async () => {
    const packages = await installedPackages(join(dir, 'node_modules'));
    expect(packages.map((p) => p.name).sort()).toEqual(['@linkwire/sdk', 'openapi-fetch', 'openapi-typescript-helpers']);
    expect(packages.length).toBeLessThanOrEqual(5);
    const files = await filesUnder(join(dir, 'node_modules'));
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
    expect(files.filter((f) => f.path.endsWith('.node') || f.path.endsWith('binding.gyp'))).toEqual([]);
    for (const p of packages) expect(Object.keys(p.scripts).filter((s) => /^(pre|post)?install$/.test(s)), p.name).toEqual([]);
    expect(installLog).not.toMatch(/EBADENGINE|gyp/);
    // The server is not in it: the SDK's files are its compiled sources and the manifest.
    const sdkFiles = (await filesUnder(join(dir, 'node_modules/@linkwire/sdk'))).map((f) => f.path.slice(join(dir, 'node_modules/@linkwire/sdk/').length)).sort();
    expect(sdkFiles.filter((f) => !/^dist\/[a-z-]+\.(js|d\.ts)$/.test(f))).toEqual(['README.md', 'package.json']);
    console.log(`@linkwire/sdk install: ${packages.length} packages, ${(bytes / 1024).toFixed(0)} KiB`);
  });

  it('drives signup → link → webhook → a real delivery verified by verifyWebhook, and refuses tampering and staleness', async () => {
    const { stdout } = await run(process.execPath, ['consumer.mjs'], {
      cwd: dir,
      env: { ...process.env, LINKWIRE_URL: t.url, TLS_CERT: join(TLS, 'server.pem'), TLS_KEY: join(TLS, 'server-key.pem') },
      timeout: 60_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(report.error).toBeUndefined();
    const steps = Object.fromEntries(report.steps.map((s: { name: string; value: unknown }) => [s.name, s.value]));
    expect(steps).toEqual({
      signup: true,
      'link created': true,
      'webhook created': true,
      'delivery verified': true,
      'tampered body refused': 'invalid_signature',
      'stale timestamp refused': 'stale_timestamp',
      'wrong secret refused': 'invalid_signature',
      'iterated links across pages': { count: 4, unique: 4 },
      'delivery listed': true,
      'not found': { status: 404, code: 'NOT_FOUND', body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } },
      'bad key': { status: 401, code: 'UNAUTHORIZED' },
    });
  }, 90_000);

  it('ships ESM and .d.ts whose types catch misuse in a browser-only project (DOM lib, no Node types)', async () => {
    const pkg = join(dir, 'node_modules/@linkwire/sdk');
    expect(existsSync(join(pkg, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist/index.d.ts'))).toBe(true);
    // Type-check a user's file against the installed package, .d.ts files included (its @ts-expect-error lines must be errors);
    // the project has no @types/node, so only the DOM's and ES globals exist.
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom,dom.iterable', 'consumer-types.ts'];
    const result = await run(process.execPath, [tsc, ...args], { cwd: dir }).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
    expect(result.stdout).toBe('');
    // Nothing Node-only in the runtime code: no node: imports, no require.
    for (const file of (await filesUnder(join(pkg, 'dist'))).filter((f) => f.path.endsWith('.js'))) {
      const text = await readFile(file.path, 'utf8');
      expect(text, file.path).not.toMatch(/from ['"]node:|require\(/);
    }
  }, 60_000);

  it('`linkwire/sdk` (the server package’s export) still imports, with the same API', async () => {
    const names = async (cwd: string, specifier: string) => {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(specifier)}).then((m) => console.log(Object.keys(m).sort().join(',')))`], { cwd });
      return stdout.trim();
    };
    const standalone = await names(dir, '@linkwire/sdk');
    expect(standalone).toContain('createClient');
    expect(standalone).toContain('verifyWebhook');
    expect(await names(ROOT, 'linkwire/sdk')).toBe(standalone);
  }, 60_000);
});

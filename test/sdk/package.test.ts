import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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

/*
 * The SDK as a user gets it: the project is packed with `npm pack` (after the build), the tarball
 * installed into an empty directory (from the npm cache, no install scripts), and a script there
 * imports `linkwire/sdk` and drives a real server: signup → link → webhook → a real HTTPS delivery
 * to the script's own node:https receiver → verifyWebhook.
 */
describe('linkwire/sdk installed from the packed tarball', () => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/sdk/index.js'))) await run('npm', ['run', 'build', '--silent'], { cwd: ROOT });
    dir = await mkdtemp(join(tmpdir(), 'linkwire-sdk-'));
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack made no tarball');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    await copyFile(join(FIXTURES, 'consumer.mjs'), join(dir, 'consumer.mjs'));
    await copyFile(join(FIXTURES, 'consumer-types.ts'), join(dir, 'consumer-types.ts'));
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: parseCidrList('127.0.0.1/32') } });
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
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

  it('ships ESM and .d.ts under the "./sdk" export, and its types catch misuse', async () => {
    const pkg = join(dir, 'node_modules/linkwire');
    expect(existsSync(join(pkg, 'dist/sdk/index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist/sdk/index.d.ts'))).toBe(true);
    // Type-check a user's file against the installed package (its @ts-expect-error lines must be errors).
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023,dom,dom.iterable', '--skipLibCheck', 'consumer-types.ts'], { cwd: dir }).catch((err: { stdout: string }) => ({ stdout: err.stdout, failed: true }));
    expect(result.stdout).toBe('');
    // The server is not importable through the package: only ./sdk is exported.
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "import('linkwire/dist/app.js').then(() => console.log('reachable'), (e) => console.log(e.code))"], { cwd: dir });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);
});

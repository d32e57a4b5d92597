/**
 * `npm run test:image` (not part of `npm test`: it takes minutes): builds the Containerfile with
 * buildah on local stand-in bases (test/image/base.sh; no registry is reachable for node images),
 * then runs a PostgreSQL role split out of the image — `linkwire migrate`, one api, two redirects
 * (each its own container and journal), one worker with no port and one worker with a health
 * port — with `buildah run --isolation chroot --network host` against the machine's PostgreSQL,
 * and walks signup → link → webhook → redirect → a delivery to an HTTPS receiver on 127.0.0.1,
 * verified with `standardwebhooks`. Prints the image's size. Needs root (buildah, chroot); installs
 * buildah and debootstrap with apt when missing. Everything it starts listens on 127.0.0.1.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../../support/free-port.js';
import { createTestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver } from '../helpers/https-receiver.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const IMAGE = 'localhost/linkwire:image-test';
const run = promisify(execFile);
const log = (message: string) => console.log(`[image-test] ${message}`);
// The bench's own containers.conf: no rlimit changes (refused here), nothing else.
const CONTAINERS_CONF = join(ROOT, 'test/image/containers.conf');
const env = { ...process.env, CONTAINERS_CONF };

async function sh(command: string, args: string[], timeoutMs = 30 * 60_000): Promise<string> {
  const { stdout } = await run(command, args, { cwd: ROOT, env, maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs });
  return stdout;
}

function ensureTools(): void {
  const missing = ['buildah', 'debootstrap'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} with apt (Debian's packages)`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

interface Running {
  name: string;
  child: ChildProcess;
  output(): string;
}

const containers: string[] = [];
const running: Running[] = [];

/** A container of the image running `args`, on the host's network, with `vars` as its environment. */
/** A new container of the image (its own root file system, so its own journal directory), with the test CA in it. */
async function container(name: string): Promise<string> {
  const ctr = (await sh('buildah', ['from', '--name', `lw-${name}-${process.pid}`, IMAGE])).trim();
  containers.push(ctr);
  await sh('buildah', ['copy', '--chown', '10001:10001', ctr, join(ROOT, 'test/fixtures/tls/ca.pem'), '/var/lib/linkwire/test-ca.pem']);
  return ctr;
}

async function start(name: string, vars: Record<string, string>, args: string[]): Promise<Running> {
  const ctr = await container(name);
  const envArgs = Object.entries({ NODE_EXTRA_CA_CERTS: '/var/lib/linkwire/test-ca.pem', ...vars }).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const child = spawn('buildah', ['run', '--isolation', 'chroot', '--network', 'host', ...envArgs, ctr, '--', 'node', '/app/dist/main.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const proc = { name, child, output: () => out };
  running.push(proc);
  return proc;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const healthy = (port: number) => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);

async function main(): Promise<void> {
  ensureTools();
  log('stand-in bases (cached after the first run)');
  await sh('bash', [join(ROOT, 'test/image/base.sh')]);

  // `--reuse`: run the role split on the image the previous run built (the build takes minutes).
  const reuse = process.argv.includes('--reuse') && (await sh('buildah', ['images', '--quiet', IMAGE]).then((out) => out.trim() !== '', () => false));
  log(reuse ? `reusing ${IMAGE}` : 'buildah bud (multi-stage build)');
  const npmCache = execFileSync('npm', ['config', 'get', 'cache']).toString().trim();
  const started = Date.now();
  if (!reuse) await sh('buildah', [
    'bud', '--isolation', 'chroot', '--network', 'host', '--layers=false',
    '--build-arg', 'BASE=localhost/linkwire-test-base',
    '--build-arg', 'BUILD_BASE=localhost/linkwire-test-build-base',
    // Dependencies from this machine's npm cache only: the test reaches no registry.
    '--build-arg', 'NPM_FLAGS=--offline',
    '--volume', `${npmCache}:/root/.npm`,
    // Docker's format: OCI images have no HEALTHCHECK.
    '--format', 'docker',
    '-f', 'Containerfile', '-t', IMAGE, '.',
  ]);
  if (!reuse) log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const images = JSON.parse(await sh('buildah', ['images', '--json', IMAGE])) as { size: string }[];
  const inspect = JSON.parse(await sh('buildah', ['inspect', '--type', 'image', IMAGE])) as { OCIv1: { config: { User?: string; Volumes?: Record<string, unknown> } }; Docker?: { config?: { Healthcheck?: { Test?: string[] } } } };
  const healthcheck = inspect.Docker?.config?.Healthcheck?.Test;
  log(`image size: ${images[0]?.size ?? '?'}; user ${inspect.OCIv1.config.User}; volumes ${Object.keys(inspect.OCIv1.config.Volumes ?? {}).join(', ')}; healthcheck ${healthcheck ? 'yes' : 'none'}`);
  if (inspect.OCIv1.config.User !== 'linkwire') throw new Error('the image must run as the linkwire user');
  if (!healthcheck || healthcheck[0] !== 'CMD') throw new Error(`the image must carry a HEALTHCHECK: ${JSON.stringify(healthcheck)}`);
  const baseSize = JSON.parse(await sh('buildah', ['images', '--json', 'localhost/linkwire-test-base'])) as { size: string }[];
  log(`stand-in base size: ${baseSize[0]?.size ?? '?'} (the image adds Linkwire, its production dependencies and the user)`);

  const db = await createTestDatabase('postgres');
  const receiver = await startReceiver();
  try {
    const common = {
      LINKWIRE_DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32',
      LINKWIRE_DNS_SERVER: '127.0.0.1:9',
      LINKWIRE_LOG_LEVEL: 'warn',
    };
    const migrate = await start('migrate', common, ['migrate']);
    const code = await new Promise<number | null>((resolve) => migrate.child.once('exit', resolve));
    if (code !== 0) throw new Error(`migrate exited ${code}: ${migrate.output()}`);
    log(`migrate: ${migrate.output().trim()}`);
    running.splice(running.indexOf(migrate), 1);

    const [apiPort, redirectA, redirectB, healthPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const baseUrl = `http://127.0.0.1:${redirectA}`;
    await start('api', { ...common, LINKWIRE_ROLE: 'api', PORT: String(apiPort), LINKWIRE_BASE_URL: baseUrl }, ['serve']);
    await start('redirect-a', { ...common, LINKWIRE_ROLE: 'redirect', PORT: String(redirectA), LINKWIRE_BASE_URL: baseUrl }, ['serve']);
    await start('redirect-b', { ...common, LINKWIRE_ROLE: 'redirect', PORT: String(redirectB), LINKWIRE_BASE_URL: baseUrl }, ['serve']);
    // One worker as deployed (no port at all), one with its health port.
    await start('worker', { ...common, LINKWIRE_ROLE: 'worker' }, ['serve']);
    await start('worker-health', { ...common, LINKWIRE_ROLE: 'worker', LINKWIRE_HEALTH_PORT: String(healthPort) }, ['serve']);
    for (const port of [apiPort, redirectA, redirectB, healthPort]) {
      await waitFor(`/healthz on ${port}`, async () => {
        const dead = running.find((r) => r.child.exitCode !== null);
        if (dead) throw new Error(`${dead.name} exited: ${dead.output()}`);
        return healthy(port);
      });
    }
    log('api, 2 redirects, 2 workers healthy');
    // The image's own HEALTHCHECK command, run in containers as their orchestrator would.
    for (const [name, vars] of [['check-api', { PORT: String(apiPort) }], ['check-worker', { LINKWIRE_ROLE: 'worker', LINKWIRE_HEALTH_PORT: String(healthPort) }]] as const) {
      const ctr = await container(name);
      const result = await sh('buildah', ['run', '--isolation', 'chroot', '--network', 'host', ...Object.entries(vars).flatMap(([k, v]) => ['--env', `${k}=${v}`]), ctr, '--', ...healthcheck.slice(1)]).then(() => 'healthy', (err: Error) => `unhealthy: ${err.message}`);
      if (result !== 'healthy') throw new Error(`HEALTHCHECK in ${name}: ${result}`);
    }
    log('the image HEALTHCHECK passes for the api and for a worker with a health port');

    const api = `http://127.0.0.1:${apiPort}`;
    const signup = await http(api, 'POST', '/api/auth/signup', { body: { email: 'image@example.com', password: 'a long password' } });
    if (signup.status !== 201 && signup.status !== 200) throw new Error(`signup: ${signup.status} ${signup.text}`);
    const key = signup.json<{ api_key: string }>().api_key;
    const hook = await http(api, 'POST', '/api/webhooks', { token: key, body: { name: 'image', url: receiver.url, events: ['link.clicked'] } });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${hook.text}`);
    const secret = hook.json<{ secret: string }>().secret;
    const link = await http(api, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/from-the-image', slug: 'image' } });
    if (link.status !== 201) throw new Error(`link: ${link.status} ${link.text}`);

    for (const port of [redirectA, redirectB]) {
      const res = await fetch(`http://127.0.0.1:${port}/image`, { redirect: 'manual' });
      if (res.status !== 302 || res.headers.get('location') !== 'https://example.com/from-the-image') throw new Error(`redirect on ${port}: ${res.status} ${res.headers.get('location')}`);
    }
    log('both redirects answered 302');

    const requests = await receiver.waitForRequests(2, 120_000);
    for (const request of requests) {
      const event = new Webhook(secret).verify(request.rawBody, request.headers) as { type: string; data: { link: { slug: string } } };
      if (event.type !== 'link.clicked' || event.data.link.slug !== 'image') throw new Error(`unexpected event ${JSON.stringify(event)}`);
    }
    log(`2 deliveries of link.clicked verified with standardwebhooks (webhook-id ${requests.map((r) => r.headers['webhook-id']).join(', ')})`);
    const stats = await http(api, 'GET', `/api/links/${link.json<{ id: string }>().id}`, { token: key });
    log(`link clicks counted: ${stats.json<{ clicks: number }>().clicks}`);
    log('PASS');
  } finally {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGTERM');
    await Promise.all(running.map((r) => new Promise((resolve) => (r.child.exitCode === null ? r.child.once('exit', resolve) : resolve(null)))));
    for (const ctr of containers) await sh('buildah', ['rm', ctr]).catch(() => undefined);
    await receiver.close();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[image-test] FAIL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    for (const r of running) console.error(`--- ${r.name}:\n${r.output().slice(-3000)}`);
    process.exit(1);
  },
);

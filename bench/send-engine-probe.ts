/**
 * The delivery engine with its real send path, A/B: N link.created deliveries to one webhook drained
 * by the engine in this process (fan-out, claims, signing, sends, result writes) to an HTTPS
 * receiver on 127.0.0.1 in its own process. Like bench/delivery-probe.ts, but through the real
 * target client instead of a stub, so the figure includes the HTTP client's CPU. Each round is a
 * fresh child process importing one checkout's src/; variants alternate round by round.
 * Prints deliveries/s and the engine process's CPU time per delivery (user + system).
 *
 *   node --import tsx bench/send-engine-probe.ts [sqlite|postgres] [N] [rounds] [name=<checkout root> …]
 *
 * Default variant: `new=<this checkout>`. Example: old=/tmp/main new=.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as AppModule from '../src/app.js';
import type * as ClockModule from '../src/runtime/clock.js';
import type * as ConfigModule from '../src/config.js';
import type * as EngineModule from '../src/delivery/engine.js';
import type * as OutboxModule from '../src/events/outbox.js';
import type * as IdsModule from '../src/runtime/ids.js';
import type * as CidrModule from '../src/net/cidr.js';
import type * as TargetClientModule from '../src/outbound/target-client.js';
import type * as DatabasesModule from '../test/helpers/databases.js';
import type * as HttpModule from '../test/helpers/http.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface RoundResult {
  perSecond: number;
  cpuUsPerDelivery: number;
  errors: number;
}

if (process.env.SEND_ENGINE_PROBE_ROLE === 'child') {
  const [dialect, countText, root, portText] = process.argv.slice(2) as ['sqlite' | 'postgres', string, string, string];
  process.send?.(await runChild(dialect, Number(countText), root, Number(portText)));
  process.exit(0);
} else {
  await runParent();
}

async function runChild(dialect: 'sqlite' | 'postgres', count: number, root: string, port: number): Promise<RoundResult> {
  const from = async <T>(path: string) => (await import(pathToFileURL(`${root}/${path}`).href)) as T;
  const { createApp } = await from<typeof AppModule>('src/app.ts');
  const { systemClock } = await from<typeof ClockModule>('src/runtime/clock.ts');
  const { configWith } = await from<typeof ConfigModule>('src/config.ts');
  const { createDeliveryEngine } = await from<typeof EngineModule>('src/delivery/engine.ts');
  const { Outbox } = await from<typeof OutboxModule>('src/events/outbox.ts');
  const { createIdSource } = await from<typeof IdsModule>('src/runtime/ids.ts');
  const { CidrSet, parseCidr } = await from<typeof CidrModule>('src/net/cidr.ts');
  const { createTargetClient } = await from<typeof TargetClientModule>('src/outbound/target-client.ts');
  const { createTestDatabase } = await from<typeof DatabasesModule>('test/helpers/databases.ts');
  const { http } = await from<typeof HttpModule>('test/helpers/http.ts');

  const database = await createTestDatabase(dialect);
  const setup = database.open();
  await setup.migrate();
  const loopback = [parseCidr('127.0.0.1/32')];
  const config = configWith({ port: 0, logLevel: 'silent', roles: new Set(['api']), journalDir: null, dnsServer: null, allowPrivateWebhookTargets: loopback });
  const api = await createApp({ config, storage: setup, logLevel: 'silent' });
  const url = await api.listen(0, '127.0.0.1');
  const signup = await http(url, 'POST', '/api/auth/signup', { body: { email: 'probe@example.com', password: 'a long probe password' } });
  const { api_key: key } = signup.json<{ api_key: string }>();
  const hook = await http(url, 'POST', '/api/webhooks', { token: key, body: { name: 'probe', url: `https://127.0.0.1:${port}/hook`, events: ['link.created'] } });
  if (hook.status !== 201) throw new Error(hook.text);
  for (let made = 0; made < count; ) {
    const n = Math.min(1000, count - made);
    const links = Array.from({ length: n }, (_, i) => ({ url: `https://example.com/probe/${made + i}`, title: `Probe link ${made + i}` }));
    const res = await http(url, 'POST', '/api/links/bulk', { token: key, body: { links } });
    if (res.status !== 201 && res.status !== 200) throw new Error(res.text);
    made += n;
  }
  await api.close();
  await setup.close();

  const storage = database.open();
  // As src/app.ts builds it for the worker.
  const client = createTargetClient({ allowPrivate: new CidrSet(loopback), dnsServer: null, connectionsPerOrigin: 64 });
  const ids = createIdSource();
  let errors = 0;
  const engine = createDeliveryEngine({
    storage,
    clock: systemClock,
    ids,
    outbox: new Outbox(ids, systemClock),
    client,
    random: Math.random,
    onError: (err) => {
      if (errors++ === 0) console.error(err);
    },
  });
  const succeeded = async () =>
    Number(
      (await storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n,
    );
  // SEND_ENGINE_PROBE_PROFILE=<dir>: a V8 CPU profile of the drain only, one file per round.
  const profileDir = process.env.SEND_ENGINE_PROBE_PROFILE;
  const session = profileDir ? new Session() : null;
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session?.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const job of engine.jobs) await job.start();
  while ((await succeeded()) < count) await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (session && profileDir) {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(`${profileDir}/engine-${process.pid}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
  for (const job of engine.jobs) await job.stop();
  await client.close();
  await storage.close();
  await database.drop();
  return { perSecond: (count * 1000) / ms, cpuUsPerDelivery: (cpu.user + cpu.system) / count, errors };
}

async function runParent(): Promise<void> {
  const args = process.argv.slice(2);
  const dialect = (args[0] ?? 'sqlite') as 'sqlite' | 'postgres';
  const count = Number(args[1] ?? 5000);
  const rounds = Number(args[2] ?? 3);
  const variants = (args.length > 3 ? args.slice(3) : [`new=${ROOT}`]).map((v) => {
    const [name, root] = v.split('=') as [string, string];
    return { name, root: resolvePath(root) };
  });
  // The receiver of bench/send-probe.ts: 200 "ok" to every request, in its own process.
  const receiver = fork(`${ROOT}bench/send-probe.ts`, [], { env: { ...process.env, SEND_PROBE_ROLE: 'receiver' }, execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => receiver.once('message', (m: { port: number }) => resolve(m.port)));
  const results = new Map<string, RoundResult[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        const child = fork(SELF, [dialect, String(count), variant.root, String(port)], {
          cwd: variant.root,
          env: { ...process.env, SEND_ENGINE_PROBE_ROLE: 'child', NODE_EXTRA_CA_CERTS: `${ROOT}test/fixtures/tls/ca.pem` },
          execArgv: ['--import', 'tsx'],
        });
        const result = await new Promise<RoundResult>((resolve, reject) => {
          child.once('message', (m: RoundResult) => resolve(m));
          child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${code}`)));
        });
        results.get(variant.name)?.push(result);
        console.log(
          `round ${round} ${variant.name.padEnd(6)} ${Math.round(result.perSecond).toString().padStart(6)} deliveries/s  ${result.cpuUsPerDelivery.toFixed(0).padStart(5)} µs CPU/delivery` +
            (result.errors ? `  errors ${result.errors}` : ''),
        );
      }
    }
  } finally {
    receiver.kill();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`\n${dialect}, medians over ${rounds} rounds of ${count} deliveries (one webhook, engine in-process, receiver in its own process):`);
  for (const [name, rs] of results) {
    console.log(`${name.padEnd(6)} ${Math.round(median(rs.map((r) => r.perSecond))).toString().padStart(6)} deliveries/s  ${median(rs.map((r) => r.cpuUsPerDelivery)).toFixed(0).padStart(5)} µs CPU/delivery`);
  }
}

/**
 * The delivery engine's own cost, without the network: N link.created events waiting for fan-out,
 * then the engine (fan-out, claims, result writes) drains them against a target that answers 200
 * on the next turn of the event loop. Prints deliveries/s, CPU per delivery and the statements
 * run per delivery, by kind — a figure that does not depend on what else the machine is doing.
 *
 *   node --import tsx bench/delivery-probe.ts [sqlite|postgres] [N] [--endpoints K]
 *
 * With --endpoints K the events are subscribed by K webhooks (N × K deliveries).
 */
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { systemClock } from '../src/runtime/clock.js';
import { configWith } from '../src/config.js';
import { createDeliveryEngine } from '../src/delivery/engine.js';
import { Outbox } from '../src/events/outbox.js';
import { createIdSource } from '../src/runtime/ids.js';
import { parseCidr } from '../src/net/cidr.js';
import type { TargetClient } from '../src/outbound/target-client.js';
import { openPostgres } from '../src/storage/postgres.js';
import { openSqlite } from '../src/storage/sqlite.js';
import { createTestDatabase } from '../test/helpers/databases.js';
import { http } from '../test/helpers/http.js';

const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const count = Number(process.argv[3] ?? 20_000);
const endpointsAt = process.argv.indexOf('--endpoints');
const endpoints = endpointsAt > 0 ? Number(process.argv[endpointsAt + 1]) : 1;

const database = await createTestDatabase(dialect);
const setup = database.open();
await setup.migrate();
const config = configWith({ port: 0, logLevel: 'silent', roles: new Set(['api']), journalDir: null, dnsServer: { host: '127.0.0.1', port: 9 }, allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] });
const api = await createApp({ config, storage: setup, logLevel: 'silent' });
const url = await api.listen(0, '127.0.0.1');
const signup = await http(url, 'POST', '/api/auth/signup', { body: { email: 'probe@example.com', password: 'a long probe password' } });
const { api_key: key, workspace } = signup.json<{ api_key: string; workspace: { id: string } }>();
// More than a few webhooks take a bigger plan (the operator's to give).
await api.accounts.setPlan(workspace.id, 'enterprise');
for (let i = 0; i < endpoints; i++) {
  const res = await http(url, 'POST', '/api/webhooks', { token: key, body: { name: `probe ${i}`, url: `https://127.0.0.1:9/probe/${i}`, events: ['link.created'] } });
  if (res.status !== 201) throw new Error(res.text);
}
for (let made = 0; made < count; ) {
  const n = Math.min(1000, count - made);
  const links = Array.from({ length: n }, (_, i) => ({ url: `https://example.com/probe/${made + i}`, title: `Probe link ${made + i}` }));
  const res = await http(url, 'POST', '/api/links/bulk', { token: key, body: { links } });
  if (res.status !== 201 && res.status !== 200) throw new Error(res.text);
  made += n;
}
await api.close();
await setup.close();

const post = (s: Session, method: string) => new Promise<unknown>((resolve, reject) => s.post(method, (err, result) => (err ? reject(err) : resolve(result))));

const statements = new Map<string, { n: number; ms: number }>();
const kindOf = (text: string): string => {
  const s = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const table = /(?:from|into|update) "?([a-z_]+)"?/.exec(s)?.[1] ?? '';
  return `${s.split(' ')[0]} ${table}`.trim();
};
const onQuery = (text: string, ms: number) => {
  const k = kindOf(text);
  const entry = statements.get(k) ?? { n: 0, ms: 0 };
  entry.n++;
  entry.ms += ms;
  statements.set(k, entry);
};
const storage = dialect === 'sqlite' ? openSqlite(database.url.slice('sqlite:'.length), { onQuery }) : openPostgres(database.url, { onQuery });

let sent = 0;
const client: TargetClient = {
  send: () =>
    new Promise((resolve) =>
      setImmediate(() => {
        sent++;
        resolve({ statusCode: 200, headers: {}, body: '', responseTimeMs: 0, error: null, errorKind: null, remoteAddress: '127.0.0.1' });
      }),
    ),
  close: () => Promise.resolve(),
};
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
const total = count * endpoints;
// --profile FILE: a V8 CPU profile of the drain only (not of building the backlog).
const profileAt = process.argv.indexOf('--profile');
const session = profileAt > 0 ? new Session() : null;
if (session) {
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.start');
}
// With --expose-gc: start from a collected heap, so the peaks below are the drain's own.
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage();
let peakRss = 0;
let peakExternal = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapTotal);
  peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
}, 100);
// PostgreSQL's own time (pg_stat_statements, where the server preloads it): the drain's statements only.
const serverStats = dialect === 'postgres' ? await startServerStats() : false;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (const job of engine.jobs) await job.start();
const pending = async () =>
  Number((await storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'succeeded').executeTakeFirstOrThrow()).n);
for (;;) {
  await new Promise((r) => setTimeout(r, 100));
  if (sent >= total && (await pending()) === 0) break;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const server = serverStats ? await readServerStats() : null;
clearInterval(sampler);
(globalThis as { gc?: () => void }).gc?.();
const after = process.memoryUsage();
if (session) {
  const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
  writeFileSync(process.argv[profileAt + 1]!, JSON.stringify(profile));
  session.disconnect();
}
for (const job of engine.jobs) await job.stop();
await storage.close();
await database.drop();

async function startServerStats(): Promise<boolean> {
  try {
    await sql`create extension if not exists pg_stat_statements`.execute(storage.db);
    await sql`select pg_stat_statements_reset()`.execute(storage.db);
    return true;
  } catch {
    return false; // not preloaded on this server: only the client-side figures
  }
}

async function readServerStats(): Promise<{ ms: number; blocks: number; walBytes: number }> {
  const { rows } = await sql<{ ms: number; blocks: number; wal: number }>`select coalesce(sum(total_exec_time), 0)::float8 as ms,
    coalesce(sum(shared_blks_hit + shared_blks_read), 0)::float8 as blocks, coalesce(sum(wal_bytes), 0)::float8 as wal
    from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) and query not like '%pg_stat_statements%'`.execute(storage.db);
  return { ms: rows[0]!.ms, blocks: rows[0]!.blocks, walBytes: rows[0]!.wal };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
const all = [...statements].sort((a, b) => b[1].n - a[1].n);
const totalStatements = all.reduce((s, [, v]) => s + v.n, 0);
process.stdout.write(
  `${dialect}: ${total} deliveries (${count} events × ${endpoints} endpoint(s)) in ${ms.toFixed(0)} ms = ${Math.round((total / ms) * 1000)}/s; ` +
    `CPU ${(((cpu.user + cpu.system) / total)).toFixed(0)} µs per delivery; ${(totalStatements / total).toFixed(3)} statements per delivery; errors ${errors}; peak RSS ${mib(peakRss)} MiB (${mib(before.rss)} before), V8 heap ${mib(peakHeap)} MiB (${mib(before.heapTotal)}), external ${mib(peakExternal)} MiB; V8 heap in use ${mib(before.heapUsed)} MiB before, ${mib(after.heapUsed)} MiB after (collected)\n`,
);
if (server) {
  process.stdout.write(`  PostgreSQL (pg_stat_statements): ${((server.ms * 1000) / total).toFixed(0)} µs executing per delivery; ${(server.blocks / total).toFixed(1)} buffers per delivery; WAL ${(server.walBytes / total).toFixed(0)} B per delivery\n`);
}
for (const [k, v] of all) process.stdout.write(`  ${(v.n / total).toFixed(4).padStart(8)} /delivery  ${String(v.n).padStart(7)}  ${v.ms.toFixed(0).padStart(6)} ms  ${k}\n`);

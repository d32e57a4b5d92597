/**
 * A/B probe for the redirect: the bare node:http baseline and Linkwire servers with different
 * environments (e.g. LINKWIRE_WORKER_NICE=0 vs the default), each with one subscribed HTTPS
 * webhook, loaded in alternating rounds (a fresh server each) so that noise from a shared machine
 * hits all of them alike.
 * Prints each round and the medians as ratios to bare. Not part of `npm run bench` (no targets).
 *
 * A variant with `ALONE=<built code dir>` (e.g. `ALONE=dist`, or a copy of an older build inside the
 * repository so its packages resolve) runs the redirect alone from that build instead
 * (bench/lib/redirect-only-main.ts: LINKWIRE_ROLE=redirect, journal written, no worker, no
 * webhook): old and new builds of the redirect's own cost, alternated. `PROFILE=<dir>` adds a V8
 * CPU profile of that process (summarise it with bench/profile-top.ts).
 *
 *   npm run build && node --import tsx bench/redirect-ab.ts [sqlite|postgres] [rounds] [seconds] [A_ENV] [B_ENV] …
 *   e.g. node --import tsx bench/redirect-ab.ts sqlite 3 8 LINKWIRE_WORKER_NICE=0 LINKWIRE_WORKER_NICE=10
 *        node --import tsx bench/redirect-ab.ts sqlite 3 8 ALONE=bench/.ab-base/dist ALONE=dist
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDatabase } from './lib/databases.js';
import { detectTool, runHttpLoad, type LoadResult } from './lib/http-load.js';
import { LinkwireProcess } from './lib/linkwire.js';
import { cleanupAll, installSignalHandlers, log, onCleanup, ROOT, spawnHelper } from './lib/procs.js';
import { ReceiverProcess } from './lib/receiver.js';

const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const rounds = Number(process.argv[3] ?? 3);
const seconds = Number(process.argv[4] ?? 8);
const variants = (process.argv.slice(5).length ? process.argv.slice(5) : ['LINKWIRE_WORKER_NICE=0', 'LINKWIRE_WORKER_NICE=10']).map((spec) => ({
  label: spec,
  env: Object.fromEntries(spec.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string])),
}));
const CONNECTIONS = 50;

installSignalHandlers();
const tool = detectTool();
const results = new Map<string, LoadResult[]>([['bare', []], ...variants.map((v) => [v.label, []] as [string, LoadResult[]])]);
const warmS = 3;
/** CPU seconds (user + system) of one thread, or of the whole process with tid = pid and `task` false. */
function cpuSeconds(pid: number, task: boolean): number {
  const text = readFileSync(task ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}
/** Main-thread and whole-process CPU µs per answered request: what contention on a shared machine does not change much. */
const cpuPerRequest = new Map<string, { main: number; all: number }[]>();

/** A fresh server per round (as `npm run bench` does): no server's webhook backlog runs beside another's load. */
async function linkwireRound(label: string, env: Record<string, string>): Promise<LoadResult> {
  const db = await createDatabase(dialect);
  const receiver = await ReceiverProcess.start('receiver', { mode: 'record' });
  const server = await LinkwireProcess.start({ name: `linkwire ${label}`, databaseUrl: db.url, env });
  try {
    const api = await server.api().signup();
    const link = await api.createLink({ url: 'https://example.com/bench', slug: 'bench' });
    await api.createWebhook({ name: 'bench receiver', url: receiver.url('hook'), events: ['link.clicked'] });
    const url = `${server.url}/${link.slug}`;
    await runHttpLoad(tool, url, { connections: CONNECTIONS, durationS: warmS });
    await server.journalSettled();
    const main0 = cpuSeconds(server.pid, true);
    const all0 = cpuSeconds(server.pid, false);
    const res = await runHttpLoad(tool, url, { connections: CONNECTIONS, durationS: seconds });
    const list = cpuPerRequest.get(label) ?? [];
    list.push({ main: ((cpuSeconds(server.pid, true) - main0) / res.completed) * 1e6, all: ((cpuSeconds(server.pid, false) - all0) / res.completed) * 1e6 });
    cpuPerRequest.set(label, list);
    return res;
  } finally {
    await server.stop();
    await receiver.stop();
    await db.drop();
  }
}

/** The redirect alone from the build in `codeDir` (see the header), on a database a current server set up. */
async function aloneRound(label: string, codeDir: string, profileDir: string | undefined, env: Record<string, string>): Promise<LoadResult> {
  const db = await createDatabase(dialect);
  let setup: LinkwireProcess | null = await LinkwireProcess.start({ name: `linkwire setup ${label}`, databaseUrl: db.url, env });
  try {
    const api = await setup.api().signup();
    const link = await api.createLink({ url: 'https://example.com/bench', slug: 'bench' });
    const baseUrl = setup.url;
    await setup.stop();
    setup = null;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    // PostgreSQL's journal would default to ./data/ in the repository: a temp dir, removed afterwards.
    const journalDir = dialect === 'postgres' ? mkdtempSync(join(tmpdir(), 'linkwire-ab-journal-')) : null;
    if (journalDir) onCleanup(() => rmSync(journalDir, { recursive: true, force: true }));
    const alone = spawnHelper(
      `redirect alone ${label}`,
      'redirect-only-main.ts',
      {
        codeDir: resolve(ROOT, codeDir),
        ext: 'js',
        env: { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_BASE_URL: baseUrl, LINKWIRE_LOG_LEVEL: 'warn', ...(journalDir ? { LINKWIRE_JOURNAL_DIR: journalDir } : {}), ...env },
        ...(profileDir ? { profileDir: resolve(ROOT, profileDir) } : {}),
      },
    );
    try {
      const { port, pid } = await alone.waitFor<{ port: number; pid: number }>('ready', 60_000);
      const url = `http://127.0.0.1:${port}/${link.slug}`;
      await runHttpLoad(tool, url, { connections: CONNECTIONS, durationS: warmS });
      const cpu0 = cpuSeconds(pid, false);
      const res = await runHttpLoad(tool, url, { connections: CONNECTIONS, durationS: seconds });
      const all = ((cpuSeconds(pid, false) - cpu0) / res.completed) * 1e6;
      cpuPerRequest.set(label, [...(cpuPerRequest.get(label) ?? []), { main: all, all }]);
      await alone.call('stop', {}, 30_000).catch(() => undefined);
      return res;
    } finally {
      await alone.stop(20_000);
    }
  } finally {
    await setup?.stop();
    await db.drop();
  }
}

async function bareRound(): Promise<LoadResult> {
  const bare = spawnHelper('bare-server', 'bare-server-main.ts', {});
  try {
    const url = `http://127.0.0.1:${(await bare.waitFor<{ port: number }>('ready', 30_000)).port}/bench`;
    await runHttpLoad(tool, url, { connections: CONNECTIONS, durationS: warmS });
    return await runHttpLoad(tool, url, { connections: CONNECTIONS, durationS: seconds });
  } finally {
    await bare.stop(5_000);
  }
}

for (let r = 0; r < rounds; r++) {
  for (const label of results.keys()) {
    const variant = variants.find((v) => v.label === label);
    const { ALONE: codeDir, PROFILE: profileDir, ...env } = variant?.env ?? {};
    const res = label === 'bare' ? await bareRound() : codeDir ? await aloneRound(label, codeDir, profileDir, env) : await linkwireRound(label, env);
    results.get(label)!.push(res);
    const cpu = cpuPerRequest.get(label)?.[r];
    log(`round ${r + 1} ${label}: ${Math.round(res.rps)} req/s, p50 ${res.p50Ms.toFixed(2)} ms, p99 ${res.p99Ms.toFixed(2)} ms${cpu ? `, CPU/request main ${cpu.main.toFixed(1)} µs, process ${cpu.all.toFixed(1)} µs (while loaded)` : ''}`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bareRps = median(results.get('bare')!.map((x) => x.rps));
for (const [label, list] of results) {
  const rps = median(list.map((x) => x.rps));
  const ratios = list.map((x, i) => (x.rps / results.get('bare')![i]!.rps).toFixed(2)).join(' ');
  const cpu = cpuPerRequest.get(label);
  const cpuText = cpu ? `  CPU/request main ${median(cpu.map((c) => c.main)).toFixed(1)} µs, process ${median(cpu.map((c) => c.all)).toFixed(1)} µs` : '';
  process.stdout.write(`${label.padEnd(32)} ${String(Math.round(rps)).padStart(7)} req/s  ${(rps / bareRps).toFixed(2)}x bare (per round: ${ratios})  p50 ${median(list.map((x) => x.p50Ms)).toFixed(2)} ms  p99 ${median(list.map((x) => x.p99Ms)).toFixed(2)} ms${cpuText}\n`);
}
await cleanupAll();

/**
 * 1. Redirect: GET /<slug> on a link that counts the click and emits link.clicked to one
 * subscribed HTTPS webhook (a real receiver in its own process), against a bare node:http
 * server answering a fixed 302 — same tool, same connections, same duration.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { createDatabase } from '../lib/databases.js';
import { runHttpLoad, type LoadResult } from '../lib/http-load.js';
import { currentLaunch, LinkwireProcess } from '../lib/linkwire.js';
import { log, sleep, spawnHelper } from '../lib/procs.js';
import { ReceiverProcess } from '../lib/receiver.js';
import { Scope } from '../lib/scope.js';
import { fmtInt, fmtMs, fmtRatio } from '../lib/stats.js';

const CONNECTIONS = 50;
const RATIO_TARGET = 0.7;
/** The redirect's own cost (issue 26): alone, it should keep this much of a bare server's req/s. */
const ALONE_RATIO_TARGET = 0.85;
const P99_TARGET_MS = 5;

async function load(ctx: BenchContext, url: string, label: string): Promise<LoadResult> {
  const warmS = ctx.quick ? 1 : 3;
  const durationS = ctx.quick ? 5 : 20;
  log(`redirect: ${label}: ${warmS} s warm-up, then ${durationS} s × ${CONNECTIONS} connections (${ctx.tool.name})`);
  await runHttpLoad(ctx.tool, url, { connections: CONNECTIONS, durationS: warmS });
  return runHttpLoad(ctx.tool, url, { connections: CONNECTIONS, durationS });
}

export const redirectScenario: Scenario = {
  id: 'redirect',
  title: '1 Redirect',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const scope = new Scope();
    try {
      // Baseline first, alone on the machine.
      const bare = scope.add('bare server', spawnHelper('bare-server', 'bare-server-main.ts', {}), (c) => c.stop(5_000));
      const { port } = await bare.waitFor<{ port: number }>('ready', 30_000);
      const base = await load(ctx, `http://127.0.0.1:${port}/bench`, 'bare node:http');
      await bare.stop(5_000);
      // The journal's own cost: the same bare server, appending each request to a file before answering.
      const appendDir = mkdtempSync(join(tmpdir(), 'linkwire-bench-append-'));
      scope.add('append file', appendDir, (dir) => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
      const appending = scope.add('bare append server', spawnHelper('bare-append-server', 'bare-server-main.ts', { appendFile: join(appendDir, 'clicks.log') }), (c) => c.stop(5_000));
      const appendPort = (await appending.waitFor<{ port: number }>('ready', 30_000)).port;
      const appendBase = await load(ctx, `http://127.0.0.1:${appendPort}/bench`, 'bare node:http + append to a file');
      await appending.stop(5_000);

      await redirectAlone(ctx, report, base, appendBase);

      const db = scope.add('database', await createDatabase(ctx.dialect), (d) => d.drop());
      const receiver = scope.add('receiver', await ReceiverProcess.start('receiver', { mode: 'record' }), (r) => r.stop());
      const server = scope.add('linkwire', await LinkwireProcess.start({ name: 'linkwire', databaseUrl: db.url, profileDir: ctx.profileDir }), (s) => s.stop());
      const api = await server.api().signup();
      const link = await api.createLink({ url: 'https://example.com/bench', slug: 'bench' });
      await api.createWebhook({ name: 'bench receiver', url: receiver.url('hook'), events: ['link.clicked'] });

      const warmS = ctx.quick ? 1 : 3;
      const durationS = ctx.quick ? 5 : 20;
      log(`redirect: linkwire: ${warmS} s warm-up`);
      await runHttpLoad(ctx.tool, `${server.url}/${link.slug}`, { connections: CONNECTIONS, durationS: warmS });
      await sleep(300);
      await server.journalSettled();
      const before = (await api.getLink(link.id)).clicks;
      log(`redirect: linkwire: ${durationS} s × ${CONNECTIONS} connections`);
      const lw = await runHttpLoad(ctx.tool, `${server.url}/${link.slug}`, { connections: CONNECTIONS, durationS });
      server.assertAlive();
      await sleep(1_000); // let clicks that were in flight when the tool stopped commit
      // Counted means ingested: wait for the click journal to reach the database.
      const ingestMs = await server.journalSettled();
      const after = (await api.getLink(link.id)).clicks;
      const counted = after - before;
      const delivered = await receiver.count();

      const ratio = lw.rps / base.rps;
      report.row(
        'req/s (50 conns)',
        `${fmtInt(lw.rps)} (${fmtRatio(ratio)})`,
        `${fmtInt(base.rps)} bare node:http`,
        `≥ ${RATIO_TARGET}× bare`,
        verdict(ratio >= RATIO_TARGET),
      );
      report.row(
        'req/s vs bare + file append',
        `${fmtInt(lw.rps)} (${fmtRatio(lw.rps / appendBase.rps)})`,
        `${fmtInt(appendBase.rps)} bare + append (${fmtRatio(appendBase.rps / base.rps)} of bare)`,
        '—',
        'INFO',
      );
      report.row('p50 latency', fmtMs(lw.p50Ms), fmtMs(base.p50Ms), '—', 'INFO');
      report.row('p99 latency', fmtMs(lw.p99Ms), fmtMs(base.p99Ms), `< ${P99_TARGET_MS} ms`, verdict(lw.p99Ms < P99_TARGET_MS));

      // Correctness: every 302 the tool saw is a counted click. Requests the tool had written but
      // not yet seen answered when it stopped may be counted too (at most one per connection).
      const inFlight = lw.sent - lw.completed;
      const exact = counted === lw.status302;
      const ok = lw.statusOther === 0 && counted >= lw.status302 && counted <= lw.status302 + Math.max(0, inFlight);
      report.row(
        'clicks counted = 302s seen',
        `${fmtInt(counted)} clicks`,
        `${fmtInt(lw.status302)} 302s${lw.statusOther ? `, ${fmtInt(lw.statusOther)} other` : ''}`,
        exact ? 'equal' : `equal (± ${Math.max(0, inFlight)} in flight at stop)`,
        verdict(ok),
      );
      if (!exact && ok) report.note(`clicks − 302s = ${counted - lw.status302}: requests written before the tool stopped whose answers it did not wait for (${inFlight} in flight).`);
      if (lw.socketErrors || base.socketErrors) report.note(`socket errors: linkwire ${lw.socketErrors}, bare ${base.socketErrors}.`);
      report.note(
        `Linkwire ran all roles in one process; while under load its worker also delivered ${fmtInt(delivered.unique)} link.clicked webhooks to the receiver (of ${fmtInt(after)} clicks in total).`,
      );
      report.details.linkwire = lw;
      report.details.bare = base;
      report.details.bareAppend = appendBase;
      report.note(`Bare server appending each request to a file before answering: ${fmtInt(appendBase.rps)} req/s, p99 ${fmtMs(appendBase.p99Ms)}. The click journal caught up ${fmtInt(ingestMs)} ms after the load stopped (+1 s grace).`);
      report.details.clicks = { before, after, counted };
      report.details.deliveredDuringRun = delivered;
    } finally {
      await scope.close();
    }
  },
};

/** CPU seconds (user + system) a process has used so far, from /proc (USER_HZ 100); null elsewhere. */
function processCpuSeconds(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * `LINKWIRE_ROLE=redirect` with nothing else in its process (bench/lib/redirect-only-main.ts: the
 * journal written, ingested afterwards by a `linkwire serve` on the same database and journal),
 * against the same run's bare baselines: what the redirect itself costs, apart from what a worker
 * or an ingester takes from the same cores.
 */
async function redirectAlone(ctx: BenchContext, report: ScenarioReport, base: LoadResult, appendBase: LoadResult): Promise<void> {
  const scope = new Scope();
  try {
    const db = scope.add('database (redirect alone)', await createDatabase(ctx.dialect), (d) => d.drop());
    // SQLite keeps its journal next to the database file; PostgreSQL gets one directory for both processes.
    let env: Record<string, string> = {};
    if (ctx.dialect === 'postgres') {
      const dir = mkdtempSync(join(tmpdir(), 'linkwire-bench-alone-journal-'));
      scope.add('journal (redirect alone)', dir, (d) => Promise.resolve(rmSync(d, { recursive: true, force: true })));
      env = { LINKWIRE_JOURNAL_DIR: dir };
    }
    const setup = scope.add('linkwire setup', await LinkwireProcess.start({ name: 'linkwire setup', databaseUrl: db.url, env }), (s) => s.stop());
    const api = await setup.api().signup();
    const link = await api.createLink({ url: 'https://example.com/bench', slug: 'bench' });
    await setup.stop();

    const launch = currentLaunch();
    const main = launch.kind === 'dist' ? launch.args[0]! : launch.args[2]!;
    const alone = scope.add(
      'redirect alone',
      spawnHelper('redirect-alone', 'redirect-only-main.ts', {
        codeDir: dirname(main),
        ext: launch.kind === 'dist' ? 'js' : 'ts',
        env: { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_BASE_URL: setup.url, LINKWIRE_LOG_LEVEL: 'warn', ...env },
      }),
      (c) => c.stop(20_000),
    );
    const { port, pid } = await alone.waitFor<{ port: number; pid: number }>('ready', 60_000);
    const url = `http://127.0.0.1:${port}/${link.slug}`;
    const warmS = ctx.quick ? 1 : 3;
    const durationS = ctx.quick ? 5 : 20;
    log(`redirect: alone (LINKWIRE_ROLE=redirect, journal ingested afterwards): ${warmS} s warm-up`);
    const warm = await runHttpLoad(ctx.tool, url, { connections: CONNECTIONS, durationS: warmS });
    const cpu0 = processCpuSeconds(pid);
    log(`redirect: alone: ${durationS} s × ${CONNECTIONS} connections`);
    const lw = await runHttpLoad(ctx.tool, url, { connections: CONNECTIONS, durationS });
    const cpu1 = processCpuSeconds(pid);
    await alone.call('stop', {}, 30_000).catch(() => undefined);
    await alone.stop(20_000);

    // The ingester elsewhere: a server on the same database and journal counts what was answered.
    const check = scope.add('linkwire ingest', await LinkwireProcess.start({ name: 'linkwire ingest', databaseUrl: db.url, env }), (s) => s.stop());
    const ingestMs = await check.journalSettled(600_000);
    const counted = (await check.api(api.key).getLink(link.id)).clicks;
    await check.stop();

    const ratio = lw.rps / base.rps;
    report.row(
      'redirect alone: req/s (50 conns)',
      `${fmtInt(lw.rps)} (${fmtRatio(ratio)})`,
      `${fmtInt(base.rps)} bare node:http`,
      `≥ ${ALONE_RATIO_TARGET}× bare`,
      verdict(ratio >= ALONE_RATIO_TARGET),
    );
    report.row('redirect alone: req/s vs bare + file append', `${fmtInt(lw.rps)} (${fmtRatio(lw.rps / appendBase.rps)})`, `${fmtInt(appendBase.rps)} bare + append`, '—', 'INFO');
    report.row('redirect alone: p99 latency', fmtMs(lw.p99Ms), `${fmtMs(base.p99Ms)} bare, ${fmtMs(appendBase.p99Ms)} bare + append`, '—', 'INFO');
    if (cpu0 !== null && cpu1 !== null && lw.completed > 0) {
      report.row('redirect alone: process CPU per request', `${((cpu1 - cpu0) * 1e6 / lw.completed).toFixed(1)} µs`, '—', '—', 'INFO');
    }
    const total = warm.status302 + lw.status302;
    const inFlight = warm.sent - warm.completed + (lw.sent - lw.completed);
    const ok = warm.statusOther + lw.statusOther === 0 && counted >= total && counted <= total + Math.max(0, inFlight);
    report.row('redirect alone: clicks counted = 302s seen', `${fmtInt(counted)} clicks`, `${fmtInt(total)} 302s (warm-up included)`, counted === total ? 'equal' : `equal (± ${Math.max(0, inFlight)} in flight at stop)`, verdict(ok));
    report.note(`Redirect alone: LINKWIRE_ROLE=redirect in a process of its own (no worker thread, no ingester; bench/lib/redirect-only-main.ts); its journal was ingested by a separate linkwire serve afterwards in ${fmtInt(ingestMs)} ms.`);
    report.details.redirectAlone = { load: lw, warm, counted, ingestMs, cpuSeconds: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null };
  } finally {
    await scope.close();
  }
}

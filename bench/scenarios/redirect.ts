/**
 * 1. Redirect: GET /<slug> on a link that counts the click and emits link.clicked to one
 * subscribed HTTPS webhook (a real receiver in its own process), against a bare node:http
 * server answering a fixed 302 — same tool, same connections, same duration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { createDatabase } from '../lib/databases.js';
import { runHttpLoad, type LoadResult } from '../lib/http-load.js';
import { LinkwireProcess } from '../lib/linkwire.js';
import { log, sleep, spawnHelper } from '../lib/procs.js';
import { ReceiverProcess } from '../lib/receiver.js';
import { Scope } from '../lib/scope.js';
import { fmtInt, fmtMs, fmtRatio } from '../lib/stats.js';

const CONNECTIONS = 50;
const RATIO_TARGET = 0.7;
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

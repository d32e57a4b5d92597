/**
 * 7. PostgreSQL outage (PostgreSQL dialect only): Linkwire on a PostgreSQL cluster of the bench's
 * own (own data directory and port — it is stopped, so never the shared server), 1 000 clicks/s
 * open-loop on one cached link throughout. After a warm-up PostgreSQL is stopped for 60 s (quick:
 * 10 s): every redirect must still answer 302, the clicks wait in the click journal. Then it is
 * started again and /healthz is polled: the backlog counts as cleared once the ingester is
 * working on clicks less than a second old (`seconds_behind` < 1) while the load goes on. Target:
 * within 30 s. After the load, once the journal is empty: clicks counted == 302s answered, one
 * click row and one link.clicked event per answered click (none missing, none doubled).
 *
 * Ports: LINKWIRE_BENCH_PG_PORTS (default 55525-55529), the first free one.
 */
import pg from 'pg';
import { createOwnCluster, type OwnCluster } from '../../test/helpers/pg-cluster.js';
import { openLoop } from '../lib/click-latency.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { BROWSER_UA } from '../lib/http-load.js';
import { LinkwireProcess } from '../lib/linkwire.js';
import { log, onCleanup, sleep } from '../lib/procs.js';
import { Scope } from '../lib/scope.js';
import { fmtInt, fmtMs } from '../lib/stats.js';

const RATE = 1000;
const CLEARED_WITHIN_MS = 30_000;
/** The ingester is within this of the newest clicks: the outage's backlog is gone. */
const CAUGHT_UP_S = 1;

function ports(): number[] {
  const spec = process.env.LINKWIRE_BENCH_PG_PORTS ?? '55525-55529';
  const [from, to] = spec.split('-').map(Number);
  if (!from || !to || to < from) throw new Error(`LINKWIRE_BENCH_PG_PORTS must be like 55520-55529 (got ${spec})`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

interface Health {
  status: number;
  journal?: { records_behind: number; seconds_behind: number; bytes_behind: number };
}

async function health(url: string): Promise<Health | null> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as Omit<Health, 'status'>;
    return { ...body, status: res.status };
  } catch {
    return null;
  }
}

export const pgOutageScenario: Scenario = {
  id: 'pg-outage',
  title: '7 PostgreSQL outage',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    if (ctx.dialect !== 'postgres') {
      report.note('PostgreSQL only: an embedded SQLite database has no outage to survive.');
      return;
    }
    const warmupMs = 5_000;
    const outageMs = (ctx.quick ? 10 : 60) * 1000;
    // The load goes on through the recovery window (and a little beyond, to see it hold).
    const durationMs = warmupMs + outageMs + CLEARED_WITHIN_MS + 5_000;
    const scope = new Scope();
    try {
      const cluster = await createOwnCluster(ports());
      const unregister = onCleanup(() => cluster.drop());
      scope.add('own PostgreSQL cluster', cluster, async (c: OwnCluster) => {
        unregister();
        await c.drop();
      });
      log(`pg-outage: own PostgreSQL cluster ${cluster.name} on port ${cluster.port}`);
      const server = scope.add('linkwire', await LinkwireProcess.start({ name: 'linkwire', databaseUrl: cluster.url, profileDir: ctx.profileDir }), (s) => s.stop());
      const api = await server.api().signup();
      const link = await api.createLink({ url: 'https://example.com/outage', slug: 'outage' });

      log(`pg-outage: ${RATE} clicks/s open-loop; PostgreSQL stopped after ${warmupMs / 1000} s for ${outageMs / 1000} s`);
      const loadDone = openLoop({ origin: server.url, mode: 'click', path: `/${link.slug}`, rate: RATE, durationMs, connections: 256, userAgent: BROWSER_UA });
      await sleep(warmupMs);
      await cluster.stop();
      const stoppedAt = Date.now();
      let maxBehind = 0;
      let duringOutage: Health | null = null;
      while (Date.now() - stoppedAt < outageMs) {
        await sleep(1_000);
        const h = await health(server.url);
        if (h?.journal) maxBehind = Math.max(maxBehind, h.journal.records_behind);
        duringOutage = h ?? duringOutage;
        server.assertAlive();
      }
      await cluster.start();
      const startedAt = Date.now();
      log(`pg-outage: PostgreSQL is back; ${fmtInt(maxBehind)} clicks waited in the journal`);
      let clearedMs: number | null = null;
      const timeline: { ms: number; status: number | null; behind: number | null; seconds: number | null }[] = [];
      while (Date.now() - startedAt < CLEARED_WITHIN_MS + 30_000) {
        const h = await health(server.url);
        if (h?.journal) maxBehind = Math.max(maxBehind, h.journal.records_behind);
        timeline.push({ ms: Date.now() - startedAt, status: h?.status ?? null, behind: h?.journal?.records_behind ?? null, seconds: h?.journal?.seconds_behind ?? null });
        if (process.env.BENCH_DEBUG) log(JSON.stringify(timeline[timeline.length - 1]));
        if (h && h.status === 200 && h.journal && h.journal.seconds_behind < CAUGHT_UP_S) {
          clearedMs = Date.now() - startedAt;
          break;
        }
        await sleep(100);
      }
      const load = await loadDone;
      server.assertAlive();
      const settleMs = await server.journalSettled(120_000);

      const answered = load.statuses['302'] ?? 0;
      const others = Object.entries(load.statuses).filter(([s]) => s !== '302');
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      let counted: number;
      let rows: { n: number; distinct: number };
      let events: { n: number; distinct: number };
      try {
        counted = Number((await client.query<{ clicks: string }>('select clicks from links where id = $1', [link.id])).rows[0]!.clicks);
        const r = (await client.query<{ n: string; d: string }>("select count(*) as n, count(distinct params::json->>'n') as d from clicks where link_id = $1", [link.id])).rows[0]!;
        rows = { n: Number(r.n), distinct: Number(r.d) };
        const e = (await client.query<{ n: string; d: string }>("select count(*) as n, count(distinct data::json->'click'->>'id') as d from events where link_id = $1 and type = 'link.clicked'", [link.id])).rows[0]!;
        events = { n: Number(e.n), distinct: Number(e.d) };
      } finally {
        await client.end();
      }

      const allAnswered = answered === load.total && others.length === 0 && load.errors === 0 && load.unanswered === 0;
      report.row(
        `redirects during a ${outageMs / 1000} s outage`,
        `${fmtInt(answered)} × 302 of ${fmtInt(load.total)}${others.length ? ` (${others.map(([s, n]) => `${fmtInt(n)} × ${s}`).join(', ')})` : ''}${load.errors ? `, ${fmtInt(load.errors)} errors` : ''}`,
        `${fmtInt(load.total)} sent at ${RATE}/s`,
        'all 302',
        verdict(allAnswered),
      );
      report.row(
        'backlog cleared after PostgreSQL returned',
        clearedMs === null ? `not within ${fmtMs(CLEARED_WITHIN_MS + 30_000)}` : fmtMs(clearedMs),
        `${fmtInt(maxBehind)} clicks waited`,
        `≤ ${fmtMs(CLEARED_WITHIN_MS)}`,
        verdict(clearedMs !== null && clearedMs <= CLEARED_WITHIN_MS),
      );
      const exact = counted === answered && rows.n === answered && rows.distinct === answered && events.n === answered && events.distinct === answered;
      report.row(
        'nothing lost or doubled',
        `counter ${fmtInt(counted)}, ${fmtInt(rows.n)} rows (${fmtInt(rows.distinct)} distinct), ${fmtInt(events.n)} link.clicked (${fmtInt(events.distinct)} distinct)`,
        `${fmtInt(answered)} × 302`,
        'all equal',
        verdict(exact),
      );
      report.note(
        `outage ${outageMs / 1000} s at ${RATE} clicks/s; ${fmtInt(maxBehind)} clicks at most in the journal; /healthz during the outage: ${duringOutage ? `${duringOutage.status}, ${fmtInt(duringOutage.journal?.records_behind)} behind` : 'no answer'}; ` +
          `caught up (seconds_behind < ${CAUGHT_UP_S}) ${clearedMs === null ? 'never' : `${fmtMs(clearedMs)} after the restart`}; journal empty ${fmtMs(settleMs)} after the load ended; redirect p99 over the whole run ${fmtMs(load.responseP99Ms)}.`,
      );
      report.details.outage = { timeline, outageMs, clearedMs, maxBehind, answered, total: load.total, statuses: load.statuses, errors: load.errors, counted, rows, events, settleMs, responseP99Ms: load.responseP99Ms };
    } finally {
      await scope.close();
    }
  },
};

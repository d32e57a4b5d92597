/**
 * 8. Analytics query: `GET /api/analytics` on a workspace with 1 000 000 clicks (quick 100 000)
 * over 90 days and 200 links, seeded straight into the clicks table and the rollups with the
 * ingester's rollup code (bench/lib/analytics-seed.ts), queried over HTTP on the real route: the
 * whole workspace, with bots, one tag, one link, the default 30 days, 7 days hourly. Median of 5
 * after one warm-up each. Target (issue 23): < 300 ms. Runs the sources (src/ through tsx).
 */
import { measureAnalytics } from '../lib/analytics-seed.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { log } from '../lib/procs.js';
import { fmtInt } from '../lib/stats.js';

const TARGET_MS = 300;

export const analyticsQueryScenario: Scenario = {
  id: 'analytics',
  title: '8 Analytics query',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const clicks = ctx.quick ? 100_000 : 1_000_000;
    log(`analytics: seeding ${fmtInt(clicks)} clicks over 90 days`);
    const r = await measureAnalytics(ctx.dialect, clicks, log);
    for (const q of r.queries) {
      report.row(`analytics: ${q.name}, ms (median)`, q.median.toFixed(0), `${fmtInt(q.total)} clicks counted`, `< ${TARGET_MS} ms`, verdict(q.median < TARGET_MS));
    }
    const perClick = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / r.clicks).toFixed(0)} B`);
    report.row('rollup bytes per click', perClick(r.rollupBytes), `clicks table: ${perClick(r.clickBytes)}`, '—', 'INFO');
    report.note(
      `${fmtInt(r.clicks)} clicks over ${r.links} links seeded in ${(r.seedMs / 1000).toFixed(1)} s; rollups: ${fmtInt(r.rollupRows.hours)} hour rows, ${fmtInt(r.rollupRows.days)} day rows` +
        `${r.rollupBytes === null ? '' : `, ${(r.rollupBytes / 1e6).toFixed(0)} MB (clicks ${(r.clickBytes! / 1e6).toFixed(0)} MB)`}.`,
    );
    report.details.analytics = r;
  },
};

/**
 * 2. Click → webhook latency: a steady, open-loop 1 000 clicks/s; each link.clicked delivery is
 * matched to its click through `?n=<i>` (→ data.click.params.n). Baseline: the same schedule
 * POSTing same-size bodies straight to the same kind of receiver (the transport floor).
 */
import { clickToDelivery, directPost } from '../lib/click-latency.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { fmtInt, fmtMs } from '../lib/stats.js';

const RATE = 1000;
const P99_TARGET_MS = 250;

export const clickLatencyScenario: Scenario = {
  id: 'latency',
  title: '2 Click→webhook',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const durationMs = (ctx.quick ? 5 : 30) * 1000;
    // Same rate during a warm-up (JIT, connection pools, link cache), excluded from the percentiles on both sides.
    const warmupMs = (ctx.quick ? 2 : 3) * 1000;
    const lw = await clickToDelivery(ctx, { rate: RATE, warmupMs, durationMs, deadHooks: 0, label: 'click→webhook' });
    const base = await directPost(ctx, { rate: RATE, warmupMs, durationMs, bodyBytes: lw.avgBodyBytes || 1500 });

    const answered = lw.load.statuses['302'] ?? 0;
    report.row('p50 click sent→delivered', fmtMs(lw.latency.p50), `${fmtMs(base.latency.p50)} direct POST`, '—', 'INFO');
    report.row('p95 click sent→delivered', fmtMs(lw.latency.p95), `${fmtMs(base.latency.p95)} direct POST`, '—', 'INFO');
    report.row('p99 click sent→delivered', fmtMs(lw.latency.p99), `${fmtMs(base.latency.p99)} direct POST`, `< ${P99_TARGET_MS} ms`, verdict(lw.latency.p99 !== null && lw.latency.p99 < P99_TARGET_MS));
    report.row(
      'p99 incl. warm-up',
      fmtMs(lw.latencyWithWarmup.p99),
      `${fmtMs(base.latencyWithWarmup.p99)} direct POST`,
      '—',
      'INFO',
    );
    const allArrived = lw.arrived === lw.sent && answered === lw.sent && lw.unmatched === 0;
    report.row(
      'deliveries arrived',
      `${fmtInt(lw.arrived)} of ${fmtInt(lw.sent)} clicks`,
      `${fmtInt(base.arrived)} of ${fmtInt(base.sent)} POSTs`,
      'all',
      verdict(allArrived),
    );
    report.note(
      `${RATE}/s open-loop for ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured (all ${fmtInt(lw.sent)} clicks must arrive); redirect answers p50 ${fmtMs(lw.load.responseP50Ms)} / p99 ${fmtMs(lw.load.responseP99Ms)}; ` +
        `statuses ${JSON.stringify(lw.load.statuses)}; generator max schedule lag ${fmtMs(lw.load.maxLagMs)}; ` +
        `delivery body ≈ ${Math.round(lw.avgBodyBytes)} B; duplicates ${lw.duplicates}.`,
    );
    if (lw.load.errors) report.note(`${lw.load.errors} click requests failed: ${lw.load.firstError ?? ''}`);
    report.details.linkwire = lw;
    report.details.directPost = base;
  },
};

/**
 * 3. Delivery throughput: drain a backlog of link.created deliveries (built with no worker running)
 * to a fast local HTTPS receiver, against a raw undici POST loop sending as many same-size bodies
 * to the same receiver with the same concurrency budget (32 in flight).
 */
import { drainBacklog, rawPosts, WORKER_CONCURRENCY } from '../lib/backlog.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { ReceiverProcess } from '../lib/receiver.js';
import { Scope } from '../lib/scope.js';
import { fmtInt, fmtMiB, fmtMs, fmtRatio } from '../lib/stats.js';

const RATIO_TARGET = 0.5;

export const deliveryThroughputScenario: Scenario = {
  id: 'throughput',
  title: '3 Delivery throughput',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const events = ctx.quick ? 5_000 : 50_000;
    const scope = new Scope();
    try {
      const receiver = scope.add('receiver', await ReceiverProcess.start('receiver', { mode: 'record' }), (r) => r.stop());
      const lw = await drainBacklog(ctx, receiver, events, 'delivery throughput');
      const body = lw.sampleBody ?? JSON.stringify({ pad: 'x'.repeat(800) });
      const raw = await rawPosts(receiver, events, body);

      const ratio = raw.perSecond > 0 ? lw.perSecond / raw.perSecond : null;
      report.row(
        `deliveries/s (${fmtInt(events)} backlog)`,
        `${fmtInt(lw.perSecond)} (${fmtRatio(ratio)})`,
        `${fmtInt(raw.perSecond)} raw undici POSTs`,
        `≥ ${RATIO_TARGET}× raw`,
        verdict(ratio !== null && ratio >= RATIO_TARGET && lw.arrived === events),
      );
      report.row('deliveries arrived', `${fmtInt(lw.arrived)} of ${fmtInt(events)}`, `${fmtInt(raw.ok)} of ${fmtInt(events)}`, 'all', verdict(lw.arrived === events));
      report.row('worker peak RSS', fmtMiB(lw.peakRssKb), '—', '—', 'INFO');
      report.note(
        `first→last delivery ${fmtMs(lw.drainMs)} (worker spawn→last ${fmtMs(lw.fromSpawnMs)}); raw loop ${fmtMs(raw.drainMs)}; ` +
          `body ${Math.round(lw.avgBodyBytes)} B; concurrency ${WORKER_CONCURRENCY} (the worker's per-endpoint cap) on both sides; ` +
          `creating the backlog took ${fmtMs(lw.createMs)} (${fmtInt((events * 1000) / lw.createMs)} links/s via POST /api/links/bulk); duplicates ${lw.duplicates}.`,
      );
      if (raw.failed) report.note(`raw loop: ${raw.failed} failed (${raw.firstError ?? ''})`);
      const { sampleBody: _s, ...details } = lw;
      report.details.linkwire = details;
      report.details.raw = raw;
    } finally {
      await scope.close();
    }
  },
};

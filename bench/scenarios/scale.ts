/**
 * 5. Scale of work: the backlog drain of scenario 3 at growing sizes (multiples of 1 000 events);
 * throughput and the worker's peak RSS should stay flat. Each size is judged against the
 * smallest size of the same run: throughput ≥ 0.7× and peak RSS ≤ 1.5× of it (thresholds fixed
 * up front — "flat" made checkable). Sizes run smallest first; a size whose estimated time
 * (the previous size's, scaled linearly) exceeds the per-size budget is not run, and says so.
 */
import { drainBacklog, type DrainResult } from '../lib/backlog.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { log } from '../lib/procs.js';
import { ReceiverProcess } from '../lib/receiver.js';
import { Scope } from '../lib/scope.js';
import { fmtInt, fmtMiB, fmtMs, fmtRatio } from '../lib/stats.js';

export const SCALE_BASE = 1_000;
const THROUGHPUT_FLOOR = 0.7;
const RSS_CEILING = 1.5;

export const scaleScenario: Scenario = {
  id: 'scale',
  title: '5 Scale of work',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const factors = [...ctx.scaleFactors].sort((a, b) => a - b);
    const budgetMs = ctx.scaleBudgetS * 1000;
    const scope = new Scope();
    try {
      const receiver = scope.add('receiver', await ReceiverProcess.start('receiver', { mode: 'record' }), (r) => r.stop());
      const runs: (DrainResult & { factor: number; tookMs: number })[] = [];
      const skipped: { factor: number; estimateMs: number }[] = [];
      for (const factor of factors) {
        const events = factor * SCALE_BASE;
        const prev = runs[runs.length - 1];
        const estimateMs = prev ? (prev.tookMs * factor) / prev.factor : 0;
        if (prev && estimateMs > budgetMs) {
          log(`scale: ${factor}× not run: estimated ${fmtMs(estimateMs)} > budget ${fmtMs(budgetMs)}`);
          skipped.push({ factor, estimateMs });
          continue;
        }
        log(`scale: ${factor}× (${fmtInt(events)} events)`);
        const t0 = Date.now();
        const result = await drainBacklog(ctx, receiver, events, `scale ${factor}×`, Math.max(2 * budgetMs, 60_000));
        runs.push({ factor, ...result, tookMs: Date.now() - t0 });
      }
      const ref = runs[0]!;
      for (const r of runs) {
        const isRef = r === ref;
        const tRatio = ref.perSecond > 0 ? r.perSecond / ref.perSecond : null;
        const mRatio = ref.peakRssKb && r.peakRssKb ? r.peakRssKb / ref.peakRssKb : null;
        const all = r.arrived === r.events;
        const shown = `${fmtInt(r.perSecond)}${isRef ? '' : ` (${fmtRatio(tRatio)})`}${all ? '' : ` — only ${fmtInt(r.arrived)} arrived`}`;
        report.row(
          `${r.factor}× = ${fmtInt(r.events)}: deliveries/s`,
          shown,
          isRef ? '(reference)' : `${fmtInt(ref.perSecond)} at ${ref.factor}×`,
          isRef ? 'all arrive' : `≥ ${THROUGHPUT_FLOOR}× ref, all arrive`,
          isRef ? verdict(all) : verdict(tRatio !== null && tRatio >= THROUGHPUT_FLOOR && all),
        );
        report.row(
          `${r.factor}× = ${fmtInt(r.events)}: worker peak RSS`,
          isRef ? fmtMiB(r.peakRssKb) : `${fmtMiB(r.peakRssKb)} (${fmtRatio(mRatio)})`,
          isRef ? '(reference)' : `${fmtMiB(ref.peakRssKb)} at ${ref.factor}×`,
          isRef ? '—' : `≤ ${RSS_CEILING}× ref`,
          isRef ? 'INFO' : verdict(mRatio !== null && mRatio <= RSS_CEILING),
        );
        report.note(
          `${r.factor}×: ${fmtInt(r.arrived)}/${fmtInt(r.events)} arrived, first→last ${fmtMs(r.drainMs)}, spawn→last ${fmtMs(r.fromSpawnMs)}, backlog created in ${fmtMs(r.createMs)}.`,
        );
      }
      for (const s of skipped) {
        report.row(`${s.factor}× = ${fmtInt(s.factor * SCALE_BASE)}`, 'not run', '—', `per-size budget ${fmtMs(budgetMs)}`, 'INFO');
        report.note(`${s.factor}×: not run — estimated ${(s.estimateMs / 60_000).toFixed(1)} min from the previous size exceeds the ${(budgetMs / 60_000).toFixed(0)} min per-size budget (--scale-budget).`);
      }
      report.details.runs = runs.map(({ sampleBody: _s, ...r }) => r);
      report.details.skipped = skipped;
      report.details.budgetS = ctx.scaleBudgetS;
    } finally {
      await scope.close();
    }
  },
};

/**
 * Probe for click→webhook latency (scenario 2's run, or scenario 4's with hanging endpoints),
 * outside the suite: a fresh server per variant, open-loop clicks from the first second (no
 * warm-up excluded), each variant with its own server environment; prints the latency per second
 * of sending, which shows the start-up transient and spikes the suite's percentiles fold in.
 * No targets, nothing written to results/.
 *
 *   npm run build && node --import tsx bench/latency-probe.ts [sqlite|postgres] [seconds] [clicks/s] [hanging endpoints] [ENV=value,…] …
 *   e.g. node --import tsx bench/latency-probe.ts postgres 10 1000 0 LINKWIRE_WORKER_NICE=idle LINKWIRE_WORKER_NICE=0
 *
 * PROBE_PROFILE_DIR=<dir> writes V8 CPU profiles of the server's threads there.
 * PROBE_DEAD_KIND=broker: the hanging endpoints are broker destinations that never answer (bench/lib/silent-brokers.ts).
 */
import { clickToDelivery } from './lib/click-latency.js';
import { detectTool } from './lib/http-load.js';
import { cleanupAll, installSignalHandlers } from './lib/procs.js';
import { fmtMs } from './lib/stats.js';

const dialect = (process.argv[2] ?? 'postgres') as 'sqlite' | 'postgres';
const seconds = Number(process.argv[3] ?? 10);
const rate = Number(process.argv[4] ?? 1000);
const deadHooks = Number(process.argv[5] ?? 0);
const variants = process.argv.slice(6).length ? process.argv.slice(6) : [''];

installSignalHandlers();
try {
  for (const spec of variants) {
    const env = Object.fromEntries(spec.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    const ctx = { quick: false, dialect, tool: detectTool(), profileDir: process.env.PROBE_PROFILE_DIR ?? null, scaleFactors: [], scaleBudgetS: 0 };
    const deadKind = process.env.PROBE_DEAD_KIND === 'broker' ? 'broker' : 'https';
    const run = await clickToDelivery(ctx, { rate, warmupMs: 0, durationMs: seconds * 1000, deadHooks, deadKind, label: spec || 'default', env });
    const perSecond = run.timeline.map((t) => `${t.second}:${Math.round(t.p50 ?? 0)}/${Math.round(t.p99 ?? 0)}`).join(' ');
    console.log(`${spec || 'default'}: p50 ${fmtMs(run.latency.p50)} p99 ${fmtMs(run.latency.p99)}; per second of sending, p50/p99 ms: ${perSecond}`);
  }
} finally {
  await cleanupAll();
}

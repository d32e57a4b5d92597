/**
 * 4. Isolation: one healthy webhook plus 50 to endpoints that accept the connection and never
 * answer (timeout_ms 10 000, each on its own port of a hanging HTTPS server); 200 clicks/s.
 * The healthy endpoint's click→delivery p99 is compared with the same run without the dead ones.
 * Then the same with 50 broker destinations that never answer (NATS, Redis, RabbitMQ and MQTT in
 * turn, each a silent TCP server: issue 25's "a broker that never answers does not slow HTTPS
 * deliveries of other webhooks").
 */
import { clickToDelivery } from '../lib/click-latency.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { fmtInt, fmtMs, fmtRatio } from '../lib/stats.js';

const RATE = 200;
const DEAD = 50;
const TOLERANCE = 1.2;

export const isolationScenario: Scenario = {
  id: 'isolation',
  title: '4 Isolation',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const durationMs = (ctx.quick ? 5 : 20) * 1000;
    const warmupMs = (ctx.quick ? 2 : 3) * 1000;
    const clean = await clickToDelivery(ctx, { rate: RATE, warmupMs, durationMs, deadHooks: 0, label: 'isolation (healthy only)' });
    const dirty = await clickToDelivery(ctx, { rate: RATE, warmupMs, durationMs, deadHooks: DEAD, label: `isolation (+${DEAD} dead)` });
    const silent = await clickToDelivery(ctx, { rate: RATE, warmupMs, durationMs, deadHooks: DEAD, deadKind: 'broker', label: `isolation (+${DEAD} silent brokers)` });

    const ratio = dirty.latency.p99 !== null && clean.latency.p99 ? dirty.latency.p99 / clean.latency.p99 : null;
    report.row(
      `healthy p99 with ${DEAD} dead hooks`,
      `${fmtMs(dirty.latency.p99)} (${fmtRatio(ratio)})`,
      `${fmtMs(clean.latency.p99)} without`,
      `≤ ${TOLERANCE}× (within 20 %)`,
      verdict(ratio !== null && ratio <= TOLERANCE),
    );
    // The redirect's own answer beside the same wall of dead endpoints (issue 12: within 20 % too).
    const redirectP99 = dirty.load.responseP99Ms;
    const redirectBase = clean.load.responseP99Ms;
    const redirectRatio = redirectP99 !== null && redirectP99 !== undefined && redirectBase ? redirectP99 / redirectBase : null;
    report.row(
      `redirect p99 with ${DEAD} dead hooks`,
      `${fmtMs(redirectP99)} (${fmtRatio(redirectRatio)})`,
      `${fmtMs(redirectBase)} without`,
      `≤ ${TOLERANCE}× (within 20 %)`,
      verdict(redirectRatio !== null && redirectRatio <= TOLERANCE),
    );
    const brokerRatio = silent.latency.p99 !== null && clean.latency.p99 ? silent.latency.p99 / clean.latency.p99 : null;
    report.row(
      `healthy p99 with ${DEAD} silent broker destinations`,
      `${fmtMs(silent.latency.p99)} (${fmtRatio(brokerRatio)})`,
      `${fmtMs(clean.latency.p99)} without`,
      `≤ ${TOLERANCE}× (within 20 %)`,
      verdict(brokerRatio !== null && brokerRatio <= TOLERANCE && silent.arrived === silent.sent),
    );
    report.row('healthy p50 with dead hooks', fmtMs(dirty.latency.p50), `${fmtMs(clean.latency.p50)} without`, '—', 'INFO');
    report.row(
      'healthy deliveries arrived',
      `${fmtInt(dirty.arrived)} of ${fmtInt(dirty.sent)}`,
      `${fmtInt(clean.arrived)} of ${fmtInt(clean.sent)}`,
      'all',
      verdict(dirty.arrived === dirty.sent && clean.arrived === clean.sent),
    );
    const hanging = dirty.extra.hanging as { total: number; connections: number; openSockets: number } | undefined;
    report.note(
      `${RATE} clicks/s for ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured; p99 incl. warm-up ${fmtMs(dirty.latencyWithWarmup.p99)} vs ${fmtMs(clean.latencyWithWarmup.p99)}; dead endpoints received ${fmtInt(hanging?.total)} requests over ${fmtInt(hanging?.connections)} connections ` +
        `(${fmtInt(hanging?.openSockets)} still open at the end).`,
    );
    const brokers = silent.extra.silentBrokers as { connections: number; bytes: number; openSockets: number } | undefined;
    report.note(
      `with ${DEAD} silent broker destinations: healthy ${fmtInt(silent.arrived)} of ${fmtInt(silent.sent)} arrived, p50 ${fmtMs(silent.latency.p50)}, redirect p99 ${fmtMs(silent.load.responseP99Ms)}; ` +
        `the silent brokers accepted ${fmtInt(brokers?.connections)} connections (${fmtInt(brokers?.openSockets)} still open at the end).`,
    );
    report.details.withoutDead = clean;
    report.details.withDead = dirty;
    report.details.withSilentBrokers = silent;
  },
};

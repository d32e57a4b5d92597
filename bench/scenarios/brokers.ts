/**
 * 9. Broker destinations: per transport (Redis Streams, NATS JetStream, RabbitMQ, MQTT), a backlog
 * of link.created deliveries drained by a worker-only Linkwire process into the broker, against the
 * broker's raw client publishing as many copies of a delivered message with the same ack awaited
 * and as many in flight, in alternating rounds (bench/lib/broker-throughput.ts). The row shows the
 * median ratio of the rounds; the note gives each round's.
 */
import { BROKER_IN_FLIGHT, brokerRounds, median, ratioSummary } from '../lib/broker-throughput.js';
import { BROKER_KINDS, openBrokerTarget, RAW_CLIENTS, type BrokerKind } from '../lib/broker-targets.js';
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { log } from '../lib/procs.js';
import { fmtInt, fmtRatio } from '../lib/stats.js';

const RATIO_TARGET = 0.5;

const TITLES: Record<BrokerKind, string> = { redis: 'Redis Streams', nats: 'NATS JetStream', amqp: 'RabbitMQ', mqtt: 'MQTT' };

export const brokersScenario: Scenario = {
  id: 'brokers',
  title: '9 Broker destinations',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const events = ctx.quick ? 2_000 : 10_000;
    const rounds = ctx.quick ? 2 : 3;
    for (const kind of BROKER_KINDS) {
      // A broker that is not running here is a row that says so, not a failed suite.
      try {
        await (await openBrokerTarget(kind, `probe-${process.pid}`)).close();
      } catch (err) {
        report.row(`${TITLES[kind]} deliveries/s`, 'broker not reachable', '—', `≥ ${RATIO_TARGET}× raw`, 'ERROR');
        report.note(`${TITLES[kind]}: ${(err as Error).message}`);
        continue;
      }
      log(`brokers: ${TITLES[kind]}, ${rounds} rounds of ${fmtInt(events)}`);
      const results = await brokerRounds(kind, { dialect: ctx.dialect, events, rounds, profileDir: ctx.profileDir });
      const { median: ratio, min, max } = ratioSummary(results);
      report.row(
        `${TITLES[kind]} deliveries/s (${fmtInt(events)} backlog)`,
        `${fmtInt(median(results.map((r) => r.linkwirePerSecond)))} (${fmtRatio(ratio)})`,
        `${fmtInt(median(results.map((r) => r.rawPerSecond)))} ${RAW_CLIENTS[kind]}`,
        `≥ ${RATIO_TARGET}× raw`,
        verdict(ratio >= RATIO_TARGET),
      );
      report.note(
        `${TITLES[kind]}: ${results.length} rounds alternating Linkwire / raw, ratios ${results.map((r) => fmtRatio(r.linkwirePerSecond / r.rawPerSecond)).join(', ')} ` +
          `(spread ${fmtRatio(min)}–${fmtRatio(max)}); ${BROKER_IN_FLIGHT} in flight on both sides; ${results[0]?.bodyBytes ?? 0} B bodies.`,
      );
      report.details[kind] = results;
    }
  },
};


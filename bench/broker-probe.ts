/**
 * Broker delivery throughput against each broker's raw client, in alternating rounds (the same
 * measurement as the bench's `brokers` scenario, without the suite around it):
 *
 *   node --import tsx bench/broker-probe.ts [--events 2000] [--rounds 3] [--dialect sqlite|postgres]
 *       [--transport redis|nats|amqp|mqtt|all] [--profile DIR]
 *
 * Per round: a backlog of link.created events for a webhook to a fresh stream, queue or topic, a
 * worker-only Linkwire process drains it (first message in the broker → last), then the raw client
 * publishes as many copies of a delivered message, as many in flight as the worker allows one broker
 * destination, awaiting each ack (bench/lib/broker-throughput.ts). Target: Linkwire ≥ 0.5× raw.
 * --profile writes the workers' V8 CPU profiles into DIR.
 */
import { parseArgs } from 'node:util';
import { BROKER_IN_FLIGHT, brokerRounds, median, ratioSummary } from './lib/broker-throughput.js';
import { BROKER_KINDS, type BrokerKind } from './lib/broker-targets.js';
import { cleanupAll, installSignalHandlers } from './lib/procs.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    dialect: { type: 'string', default: 'sqlite' },
    transport: { type: 'string', default: 'all' },
    profile: { type: 'string' },
  },
});
const dialect = values.dialect === 'postgres' ? 'postgres' : 'sqlite';
const kinds: BrokerKind[] = values.transport === 'all' ? [...BROKER_KINDS] : [values.transport as BrokerKind];
for (const kind of kinds) if (!BROKER_KINDS.includes(kind)) throw new Error(`--transport: unknown "${kind}"`);

installSignalHandlers();
try {
  for (const kind of kinds) {
    const rounds = await brokerRounds(kind, { dialect, events: Number(values.events), rounds: Number(values.rounds), profileDir: values.profile ?? null });
    const { median: ratio, min, max } = ratioSummary(rounds);
    const lw = median(rounds.map((r) => r.linkwirePerSecond));
    const raw = median(rounds.map((r) => r.rawPerSecond));
    console.log(
      `${dialect} · ${kind} · ${values.events} deliveries of ${rounds[0]?.bodyBytes ?? 0} B, ${BROKER_IN_FLIGHT} in flight, ${rounds.length} rounds: ` +
        `Linkwire ${lw.toFixed(0)}/s · raw ${raw.toFixed(0)}/s · ${ratio.toFixed(2)}× (rounds ${min.toFixed(2)}–${max.toFixed(2)}) ${ratio >= 0.5 ? 'PASS' : 'MISS'}`,
    );
  }
} finally {
  await cleanupAll();
}

/**
 * Broker destination throughput against the broker's raw client, in alternating rounds: each round
 * builds a backlog of link.created events for a webhook to a fresh stream, queue or topic (an api
 * process, no worker running), starts a worker-only Linkwire process and times first message in the
 * broker → last, then has the raw client publish as many copies of a delivered message (same body,
 * same headers, same ack awaited for each, as many in flight as the worker gives one broker
 * destination). Used by the bench scenario (scenarios/brokers.ts) and bench/broker-probe.ts.
 */
import { BROKER_CAP_FACTOR } from '../../src/delivery/endpoint-queues.js';
import { DEFAULT_WORKER_OPTIONS } from '../../src/delivery/worker.js';
import { BENCH_DESTINATIONS, openBrokerTarget, type BrokerKind } from './broker-targets.js';
import type { Dialect } from './databases.js';
import { createDatabase } from './databases.js';
import { LinkwireProcess } from './linkwire.js';
import { log, sleep } from './procs.js';
import { Scope } from './scope.js';
import type { Api } from './api.js';

/** Publishes in flight on both sides: the worker's cap for one broker destination (endpoint-queues.ts). */
export const BROKER_IN_FLIGHT = DEFAULT_WORKER_OPTIONS.perEndpoint * BROKER_CAP_FACTOR;

export interface BrokerRound {
  linkwirePerSecond: number;
  rawPerSecond: number;
  /** First → last message in the broker. */
  drainMs: number;
  rawMs: number;
  bodyBytes: number;
}

export interface BrokerRunOptions {
  dialect: Dialect;
  events: number;
  rounds: number;
  profileDir?: string | null;
  /** Give up on a drain after this long. */
  maxDrainMs?: number;
}

export async function brokerRounds(kind: BrokerKind, options: BrokerRunOptions): Promise<BrokerRound[]> {
  const scope = new Scope();
  // One base URL for every process of the run: each would otherwise move every link to its own port at start.
  const env = { LINKWIRE_DESTINATIONS: BENCH_DESTINATIONS, LINKWIRE_BASE_URL: 'http://127.0.0.1:9' };
  const rounds: BrokerRound[] = [];
  try {
    const db = scope.add('database', await createDatabase(options.dialect), (d) => d.drop());
    let client: Api | null = null;
    let previousHook: string | null = null;
    for (let round = 0; round < options.rounds; round++) {
      const tag = `${kind}-${process.pid}-${Date.now().toString(36)}-${round}`;
      const target = await openBrokerTarget(kind, tag);
      try {
        const api = await LinkwireProcess.start({ name: `linkwire-api-${kind}`, databaseUrl: db.url, roles: 'api', env });
        try {
          client ??= await api.api().signup();
          client = api.api(client.key);
          // Only this round's webhook gets the new events.
          if (previousHook !== null) await client.call('DELETE', `/api/webhooks/${previousHook}`, undefined, [200, 204]);
          previousHook = (await client.createWebhook({ url: target.url, events: ['link.created'] })).id;
          for (let made = 0; made < options.events; ) {
            const n = Math.min(1000, options.events - made);
            made += await client.bulkLinks(Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${tag}/${made + i}`, title: `Backlog link ${made + i}` })));
          }
        } finally {
          await api.stop();
        }

        const worker = await LinkwireProcess.start({ name: `linkwire-worker-${kind}`, databaseUrl: db.url, roles: 'worker', env, profileDir: options.profileDir ?? null });
        let firstAt: number | null = null;
        let lastAt = 0;
        try {
          const started = Date.now();
          for (;;) {
            const held = await target.count();
            const now = Date.now();
            if (held > 0) firstAt ??= now;
            if (held >= options.events) {
              lastAt = now;
              break;
            }
            worker.assertAlive();
            if (now - started > (options.maxDrainMs ?? 60_000 + options.events * 10)) throw new Error(`${kind}: only ${held} of ${options.events} delivered`);
            await sleep(10);
          }
        } finally {
          await worker.stop();
        }
        const drainMs = lastAt - (firstAt ?? lastAt);

        const message = await target.sample();
        const t0 = performance.now();
        await target.raw(options.events, message, BROKER_IN_FLIGHT);
        const rawMs = performance.now() - t0;
        const result: BrokerRound = {
          linkwirePerSecond: drainMs > 0 ? (options.events * 1000) / drainMs : 0,
          rawPerSecond: (options.events * 1000) / rawMs,
          drainMs,
          rawMs,
          bodyBytes: message.body.length,
        };
        log(
          `${options.dialect} · ${kind} round ${round + 1}/${options.rounds}: Linkwire ${result.linkwirePerSecond.toFixed(0)}/s · raw ${result.rawPerSecond.toFixed(0)}/s · ${(result.linkwirePerSecond / result.rawPerSecond).toFixed(2)}×`,
        );
        rounds.push(result);
      } finally {
        await target.close();
      }
    }
    return rounds;
  } finally {
    await scope.close();
  }
}

/** The median of the rounds' ratios, and their spread. */
export function ratioSummary(rounds: readonly BrokerRound[]): { median: number; min: number; max: number } {
  const ratios = rounds.map((r) => r.linkwirePerSecond / r.rawPerSecond).sort((a, b) => a - b);
  return { median: median(ratios), min: ratios[0] ?? 0, max: ratios[ratios.length - 1] ?? 0 };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

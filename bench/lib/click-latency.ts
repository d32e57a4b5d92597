import type { BenchContext } from './context.js';
import { createDatabase } from './databases.js';
import { BROWSER_UA } from './http-load.js';
import { CA_PATH, LinkwireProcess } from './linkwire.js';
import { log, spawnHelper } from './procs.js';
import { ReceiverProcess, type ReceiverCount } from './receiver.js';
import { Scope } from './scope.js';
import { SilentBrokers } from './silent-brokers.js';
import { summarize, type Summary } from './stats.js';

export interface OpenLoopResult {
  sentAt: number[];
  total: number;
  sendingMs: number;
  statuses: Record<string, number>;
  errors: number;
  firstError: string | null;
  unanswered: number;
  maxLagMs: number;
  responseP50Ms: number | null;
  responseP99Ms: number | null;
}

export interface LatencyRun {
  /** Click (or POST) request sent → delivery received at the receiver, ms (after the warm-up). */
  latency: Summary;
  /** The same including the warm-up requests. */
  latencyWithWarmup: Summary;
  /** Requests 0 … warmup-1 were the warm-up (sent at the same rate, excluded from `latency`). */
  warmup: number;
  sent: number;
  arrived: number;
  duplicates: number;
  /** Arrivals whose number could not be matched to a sent request. */
  unmatched: number;
  /** Latency per second of sending (by when the click was sent). */
  timeline: { second: number; count: number; p50: number | null; p99: number | null; max: number | null }[];
  load: Omit<OpenLoopResult, 'sentAt'>;
  avgBodyBytes: number;
  extra: Record<string, unknown>;
}

function latencies(sentAt: number[], arrivals: { at: number[]; n: (number | null)[]; path: string[] }, pathFilter: string | null, warmup: number) {
  const values: number[] = [];
  const all: number[] = [];
  const bySecond: number[][] = [];
  const start = sentAt[0] ?? 0;
  let unmatched = 0;
  for (let i = 0; i < arrivals.at.length; i++) {
    if (pathFilter !== null && !arrivals.path[i]!.startsWith(pathFilter)) continue;
    const n = arrivals.n[i];
    const sent = n === null || n === undefined ? undefined : sentAt[n];
    if (sent === undefined || sent === 0) {
      unmatched++;
      continue;
    }
    all.push(arrivals.at[i]! - sent);
    if (n! >= warmup) values.push(arrivals.at[i]! - sent);
    const second = Math.floor((sent - start) / 1000);
    (bySecond[second] ??= []).push(arrivals.at[i]! - sent);
  }
  const timeline = [...bySecond].map((list, second) => {
    const s = summarize(list ?? []);
    return { second, count: s.count, p50: s.p50, p99: s.p99, max: s.max };
  });
  return { values, all, unmatched, timeline };
}

export async function openLoop(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<OpenLoopResult> {
  const gen = spawnHelper('open-loop', 'open-loop-main.ts', config, env);
  try {
    await gen.waitFor('ready', 30_000);
    const durationMs = config.durationMs as number;
    return await gen.call<OpenLoopResult>('run', {}, durationMs + 90_000);
  } finally {
    await gen.stop(5_000);
  }
}

/**
 * Open-loop clicks on one link with one healthy webhook (plus `deadHooks` webhooks to endpoints
 * that never answer), each click tagged `?n=<i>`; the receiver maps each link.clicked delivery back
 * to its click through `data.click.params.n`.
 */
export async function clickToDelivery(
  ctx: BenchContext,
  options: {
    rate: number;
    warmupMs: number;
    durationMs: number;
    deadHooks: number;
    /** What the dead webhooks point at: HTTPS endpoints that never answer (default) or broker destinations that never answer. */
    deadKind?: 'https' | 'broker';
    label: string;
    /** The server's extra environment (probes). */
    env?: Record<string, string>;
  },
): Promise<LatencyRun> {
  const scope = new Scope();
  try {
    const db = scope.add('database', await createDatabase(ctx.dialect), (d) => d.drop());
    const receiver = scope.add('receiver', await ReceiverProcess.start('receiver', { mode: 'record', parse: true }), (r) => r.stop());
    const brokers = options.deadHooks && options.deadKind === 'broker';
    const hang =
      options.deadHooks && !brokers ? scope.add('hanging receiver', await ReceiverProcess.start('hanging-receiver', { mode: 'hang', ports: options.deadHooks }), (r) => r.stop()) : null;
    const silent = brokers ? scope.add('silent brokers', await SilentBrokers.start(options.deadHooks), (s) => s.stop()) : null;
    const env = { ...options.env, ...(silent ? { LINKWIRE_DESTINATIONS: silent.destinations() } : {}) };
    const server = scope.add('linkwire', await LinkwireProcess.start({ name: 'linkwire', databaseUrl: db.url, profileDir: ctx.profileDir, env }), (s) => s.stop());
    const api = await server.api().signup();
    if (options.deadHooks) await api.setPlan('enterprise'); // pro allows 5 webhooks
    const link = await api.createLink({ url: 'https://example.com/latency', slug: 'latency' });
    await api.createWebhook({ name: 'healthy', url: receiver.url('healthy'), events: ['link.clicked'] });
    for (let i = 0; i < options.deadHooks; i++) {
      await api.createWebhook({ name: `dead ${i}`, url: silent ? silent.url(i) : hang!.url(`dead/${i}`, i), events: ['link.clicked'], timeout_ms: 10_000 });
    }

    log(
      `${options.label}: ${options.rate} clicks/s open-loop for ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s${options.deadHooks ? ` with ${options.deadHooks} dead ${brokers ? 'broker destinations' : 'webhooks'}` : ''}`,
    );
    const load = await openLoop({
      origin: server.url,
      mode: 'click',
      path: `/${link.slug}`,
      rate: options.rate,
      durationMs: options.warmupMs + options.durationMs,
      connections: 256,
      userAgent: BROWSER_UA,
    });
    server.assertAlive();
    const counted302 = load.statuses['302'] ?? 0;
    // Every answered click must be delivered; give stragglers time, stop early if nothing moves.
    const count: ReceiverCount = await receiver.waitForUnique(counted302, 60_000, 20_000);
    server.assertAlive();
    const arrivals = await receiver.arrivals();
    const warmup = Math.round((options.rate * options.warmupMs) / 1000);
    const { values, all, unmatched, timeline } = latencies(load.sentAt, arrivals, '/healthy', warmup);
    const sample = await receiver.sample();
    const extra: Record<string, unknown> = {};
    if (hang) {
      extra.hanging = await hang.count();
      await hang.stop(); // its open sockets fail now, so the server's graceful stop need not wait them out
    }
    if (silent) {
      extra.silentBrokers = silent.count();
      await silent.stop();
    }
    extra.serverRssKb = server.rssKb();
    const { sentAt: _sentAt, ...loadSummary } = load;
    return {
      latency: summarize(values),
      latencyWithWarmup: summarize(all),
      warmup,
      sent: load.total,
      arrived: count.unique,
      duplicates: count.duplicates,
      unmatched,
      timeline,
      load: loadSummary,
      avgBodyBytes: sample.avgBodyBytes,
      extra,
    };
  } finally {
    await scope.close();
  }
}

/** The transport floor: the same open-loop schedule POSTing same-size bodies straight to an HTTPS receiver. */
export async function directPost(ctx: BenchContext, options: { rate: number; warmupMs: number; durationMs: number; bodyBytes: number }): Promise<LatencyRun> {
  void ctx;
  const scope = new Scope();
  try {
    const receiver = scope.add('receiver', await ReceiverProcess.start('receiver', { mode: 'record', parse: true }), (r) => r.stop());
    log(`direct POST baseline: ${options.rate}/s for ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s, ${Math.round(options.bodyBytes)} B bodies`);
    const load = await openLoop(
      {
        origin: `https://127.0.0.1:${receiver.ports[0]}`,
        mode: 'post',
        path: '/direct',
        rate: options.rate,
        durationMs: options.warmupMs + options.durationMs,
        connections: 256,
        userAgent: 'linkwire-bench',
        bodyBytes: options.bodyBytes,
      },
      { NODE_EXTRA_CA_CERTS: CA_PATH },
    );
    const count = await receiver.waitForUnique(load.total, 30_000, 10_000);
    const arrivals = await receiver.arrivals();
    const warmup = Math.round((options.rate * options.warmupMs) / 1000);
    const { values, all, unmatched, timeline } = latencies(load.sentAt, arrivals, null, warmup);
    const { sentAt: _sentAt, ...loadSummary } = load;
    return {
      latency: summarize(values),
      latencyWithWarmup: summarize(all),
      warmup,
      sent: load.total,
      arrived: count.unique,
      duplicates: count.duplicates,
      unmatched,
      timeline,
      load: loadSummary,
      avgBodyBytes: options.bodyBytes,
      extra: {},
    };
  } finally {
    await scope.close();
  }
}

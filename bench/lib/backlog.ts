import { nowMs } from './child-ipc.js';
import type { BenchContext } from './context.js';
import { createDatabase } from './databases.js';
import { CA_PATH, LinkwireProcess, procStatusKb } from './linkwire.js';
import { log, spawnHelper } from './procs.js';
import type { ReceiverProcess } from './receiver.js';
import { Scope } from './scope.js';

export const WORKER_CONCURRENCY = 32; // DEFAULT_WORKER_OPTIONS.perEndpoint: the sends one endpoint may have in flight

export interface DrainResult {
  events: number;
  arrived: number;
  duplicates: number;
  /** Creating the backlog through the API (POST /api/links/bulk, 1 000 per call), ms. */
  createMs: number;
  /** First → last delivery at the receiver, ms. */
  drainMs: number;
  /** Worker process spawned → last delivery, ms (includes start-up and migrations). */
  fromSpawnMs: number;
  /** Deliveries per second over first → last arrival. */
  perSecond: number;
  peakRssKb: number | null;
  avgBodyBytes: number;
  sampleBody: string | null;
}

/**
 * Builds a backlog of `events` link.created events with no worker running (LINKWIRE_ROLE=api,redirect,
 * bulk-creating links 1 000 at a time with a webhook subscribed to link.created), stops that process,
 * then starts a worker-only process on the same database and times until the receiver has them all.
 */
export async function drainBacklog(
  ctx: BenchContext,
  receiver: ReceiverProcess,
  events: number,
  label: string,
  /** Give up waiting for the last deliveries after this long (the result then says how many arrived). */
  maxWaitMs = 60_000 + events * 5,
): Promise<DrainResult> {
  const scope = new Scope();
  try {
    const db = scope.add('database', await createDatabase(ctx.dialect), (d) => d.drop());
    const api = scope.add(
      'linkwire api',
      await LinkwireProcess.start({ name: 'linkwire-api', databaseUrl: db.url, roles: 'api,redirect' }),
      (s) => s.stop(),
    );
    const client = await api.api().signup();
    await client.createWebhook({ name: 'backlog', url: receiver.url('backlog'), events: ['link.created'] });
    log(`${label}: creating ${events.toLocaleString('en-US')} link.created events (no worker running)`);
    const t0 = Date.now();
    for (let made = 0; made < events; ) {
      const n = Math.min(1000, events - made);
      const links = Array.from({ length: n }, (_, i) => ({ url: `https://example.com/backlog/${made + i}`, title: `Backlog link ${made + i}` }));
      made += await client.bulkLinks(links);
    }
    const createMs = Date.now() - t0;
    api.assertAlive();
    await api.stop();
    await receiver.reset();

    log(`${label}: starting the worker (LINKWIRE_ROLE=worker) to drain ${events.toLocaleString('en-US')} deliveries`);
    const spawned = nowMs();
    const worker = scope.add(
      'linkwire worker',
      await LinkwireProcess.start({ name: 'linkwire-worker', databaseUrl: db.url, roles: 'worker', profileDir: ctx.profileDir }),
      (s) => s.stop(),
    );
    let peak: number | null = null;
    const sampler = setInterval(() => {
      const kb = procStatusKb(worker.pid, 'VmRSS');
      if (kb !== null) peak = Math.max(peak ?? 0, kb);
    }, 200);
    let count;
    try {
      count = await receiver.waitForUnique(events, maxWaitMs, 30_000);
    } finally {
      clearInterval(sampler);
    }
    worker.assertAlive();
    const hwm = worker.peakRssKb();
    if (hwm !== null) peak = Math.max(peak ?? 0, hwm);
    await worker.stop();
    const sample = await receiver.sample();
    const drainMs = count.first !== null && count.last !== null ? count.last - count.first : 0;
    return {
      events,
      arrived: count.unique,
      duplicates: count.duplicates,
      createMs,
      drainMs,
      fromSpawnMs: count.last !== null ? count.last - spawned : 0,
      perSecond: drainMs > 0 ? ((count.unique - 1) * 1000) / drainMs : 0,
      peakRssKb: peak,
      avgBodyBytes: sample.avgBodyBytes,
      sampleBody: sample.sample?.body ?? null,
    };
  } finally {
    await scope.close();
  }
}

export interface RawResult {
  count: number;
  ok: number;
  failed: number;
  firstError: string | null;
  drainMs: number;
  perSecond: number;
}

/** The baseline: a bare undici POST loop, `count` same bodies at WORKER_CONCURRENCY, to the same receiver. */
export async function rawPosts(receiver: ReceiverProcess, count: number, body: string): Promise<RawResult> {
  await receiver.reset();
  log(`raw undici POST loop: ${count.toLocaleString('en-US')} × ${body.length} B at concurrency ${WORKER_CONCURRENCY}`);
  const sender = spawnHelper(
    'raw-post',
    'raw-post-main.ts',
    { origin: `https://127.0.0.1:${receiver.ports[0]}`, path: '/raw', count, concurrency: WORKER_CONCURRENCY, body },
    { NODE_EXTRA_CA_CERTS: CA_PATH },
  );
  try {
    await sender.waitFor('ready', 30_000);
    const r = await sender.call<{ ok: number; failed: number; firstError: string | null; elapsedMs: number }>('run', {}, 60_000 + count * 5);
    const c = await receiver.count();
    const drainMs = c.first !== null && c.last !== null ? c.last - c.first : r.elapsedMs;
    return { count, ok: r.ok, failed: r.failed, firstError: r.firstError, drainMs, perSecond: drainMs > 0 ? ((c.unique - 1) * 1000) / drainMs : 0 };
  } finally {
    await sender.stop(5_000);
  }
}

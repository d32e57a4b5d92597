/**
 * The worker role (fan-out, claims, sends, result writes, link checks, retention) in a worker
 * thread of the one `linkwire serve` process, with its own database connection: a delivery storm
 * or a wall of dead endpoints runs on this thread's event loop, never on the redirect's.
 * With `ingestJournal`, it also ingests the click journal the main thread writes.
 * Started by src/threads/worker-thread-host.ts (from `serve`, src/cli/server.ts); see docs/click-journal.md.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createApp } from '../app.js';
import { warmDeliveryRendering } from '../delivery/warm-up.js';
import { loadConfig } from '../config.js';
import type { AttemptNotice } from '../events/attempt-notice.js';
import type { MetricSnapshot } from '../metrics/metrics.js';
import { openStorage } from '../storage/open.js';
import type { WorkerNice } from '../config/worker-thread-settings.js';
import { lowerCurrentThreadPriority, type PriorityOutcome } from './thread-priority.js';
import { REPORT_INTERVAL_MS } from './worker-lag-policy.js';

export type ToWorker = { type: 'stop' } | { type: 'metrics'; id: number };
export type FromWorker =
  | { type: 'ready'; priority: PriorityOutcome }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }
  | { type: 'metrics'; id: number; metrics: MetricSnapshot }
  /** Attempts this thread committed, for the main thread's event streams (`delivery.attempted`). */
  | { type: 'attempts'; notices: readonly AttemptNotice[] }
  /** How far behind clicks are (ms): the journal's wait plus the latest first deliveries' (worker-lag-policy.ts). */
  | { type: 'lag'; ms: number };
export interface WorkerThreadData {
  ingestJournal: boolean;
  /** LINKWIRE_WORKER_NICE: this thread yields the CPU to the redirects on the main thread. */
  nice: WorkerNice;
  /** LINKWIRE_WORKER_LAG_BOUND_MS: report the lag, the main thread raises this thread over it; 0: fixed priority. */
  lagBoundMs: number;
}

async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-thread.ts runs inside a worker thread started by worker-thread-host.ts');
  const { ingestJournal, nice, lagBoundMs } = workerData as WorkerThreadData;
  // First, before this thread starts anything: threads it may create inherit its priority.
  const priority = lowerCurrentThreadPriority(nice);
  const config = loadConfig({ ...process.env, LINKWIRE_ROLE: 'worker' });
  // SQLite: this thread starts the WAL checkpoint thread (sqlite-checkpointer.ts), which inherits its
  // lowered priority: copying the WAL into the database is background work like the rest.
  const storage = openStorage(config.databaseUrl, {}, { checkpoints: 'thread' });
  const app = await createApp({
    config,
    storage,
    journalMode: ingestJournal ? 'ingest-only' : 'local',
    // The event streams live on the main thread (the api role): without this, a stream asking for
    // delivery.attempted hears nothing in the default mode.
    onAttemptsCommitted: (notices) => port.postMessage({ type: 'attempts', notices } satisfies FromWorker),
  });
  // Before the first click needs them: the per-delivery code compiled and optimised (~0.1 s), the
  // database connections open. Bounded and best-effort: a database that is slow or away now is the
  // jobs' business (they retry), never a reason to hold the worker back.
  warmDeliveryRendering();
  await Promise.race([storage.warmUp?.().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, WARM_UP_WAIT_MS).unref())]);
  // The journal's writer (the main thread's app) exists before this thread starts and answers the
  // ingester's hello meanwhile (src/clicks/journal/journal-thread-bridge.ts).
  const started = app.startJobs();
  if (lagBoundMs > 0 && priority.applied) {
    const reports = setInterval(() => {
      const now = Date.now();
      const journalMs = (app.ingester?.secondsBehind(now) ?? 0) * 1000;
      port.postMessage({ type: 'lag', ms: journalMs + app.metrics.takeRecentDeliveryLag() * 1000 } satisfies FromWorker);
    }, REPORT_INTERVAL_MS);
    reports.unref();
  }
  port.on('message', (message: ToWorker) => {
    if (message.type === 'metrics') {
      // The main thread serves /metrics; the clicks this thread ingests and the webhooks it sends count there.
      void app.metrics.workSnapshot().then((metrics) => port.postMessage({ type: 'metrics', id: message.id, metrics } satisfies FromWorker));
      return;
    }
    void started
      .then(() => app.close())
      .then(() => storage.close())
      .then(
        () => port.postMessage({ type: 'stopped' } satisfies FromWorker),
        (err: unknown) => port.postMessage({ type: 'failed', message: String(err) } satisfies FromWorker),
      );
  });
  // Ready once the jobs run (fan-out, sender, ingester), so `serve` listens — and /healthz answers —
  // with deliveries already flowing; bounded, so a slow start (a large backlog to count) cannot hold
  // the redirects back.
  await Promise.race([started, new Promise((resolve) => setTimeout(resolve, READY_WAIT_MS).unref())]);
  port.postMessage({ type: 'ready', priority } satisfies FromWorker);
  await started;
}

const READY_WAIT_MS = 5_000;
const WARM_UP_WAIT_MS = 2_000;

run().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromWorker);
});

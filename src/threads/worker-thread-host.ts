/**
 * Starts and supervises the worker thread of the one-process mode (see worker-thread.ts and
 * docs/click-journal.md). A thread that fails — a database error nobody caught, say — is logged
 * and started again with backoff: losing the database must fail the operation in hand, never the
 * process, and the redirects on the main thread keep answering meanwhile.
 */
import { stat } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AttemptNotice } from '../events/attempt-notice.js';
import type { MetricSnapshot } from '../metrics/metrics.js';
import type { WorkerNice } from '../config/worker-thread-settings.js';
import { setThreadPriority, type PriorityOutcome } from './thread-priority.js';
import { LagGovernor } from './worker-lag-policy.js';
import type { FromWorker, ToWorker, WorkerThreadData } from './worker-thread.js';

export interface WorkerThreadLog {
  error(message: string): void;
  info(message: string): void;
}

export interface WorkerThreadHost {
  /** The thread's counters and histograms, for the process's /metrics; null while it is not running. */
  metricsSnapshot(): Promise<MetricSnapshot | null>;
  stop(): Promise<void>;
}

export interface WorkerThreadOptions {
  ingestJournal: boolean;
  /** Niceness the thread gives itself (LINKWIRE_WORKER_NICE; 0: none). See src/threads/thread-priority.ts. */
  nice?: WorkerNice;
  /**
   * LINKWIRE_WORKER_LAG_BOUND_MS: with a lowered `nice`, the thread runs at normal priority while
   * clicks wait longer than this for their webhooks (worker-lag-policy.ts); 0: always lowered.
   */
  lagBoundMs?: number;
  /** The thread's old-generation heap budget in MiB (LINKWIRE_WORKER_HEAP_MB; 0: none). See src/config/worker-thread-settings.ts. */
  heapMb?: number;
  log: WorkerThreadLog;
  /** Delivery attempts the thread committed (for the main thread's event streams). */
  onAttempts?: (notices: readonly AttemptNotice[]) => void;
  /** First restart delay; doubles up to maxBackoffMs, back to this after a minute of running. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface RunningThread {
  thread: Worker;
  /** Resolves with why the thread ended (it ended unasked), or never while it runs. */
  ended: Promise<string>;
}

const METRICS_WAIT_MS = 1_000;

function spawn(
  workerData: WorkerThreadData,
  heapMb: number,
  onAttempts?: (notices: readonly AttemptNotice[]) => void,
  onLag?: (ms: number) => void,
): { thread: Worker; ready: Promise<PriorityOutcome>; ended: Promise<string> } {
  // Built, the thread's entry is worker-thread.js next to this file. Under tsx (development, tests)
  // it is .ts, and a worker thread needs tsx's loader registered inside it first.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker-thread.ts' : './worker-thread.js', import.meta.url);
  const resourceLimits = heapMb > 0 ? { maxOldGenerationSizeMb: heapMb } : undefined;
  const thread = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData, resourceLimits })
    : new Worker(entry, { workerData, resourceLimits });
  let markReady: (priority: PriorityOutcome) => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  let markEnded: (reason: string) => void = () => undefined;
  const ready = new Promise<PriorityOutcome>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const ended = new Promise<string>((resolve) => (markEnded = resolve));
  let over = false;
  const end = (reason: string) => {
    if (over) return;
    over = true;
    failReady(new Error(reason));
    markEnded(reason);
  };
  // A rejected `ready` after the thread was ready is nobody's business.
  ready.catch(() => undefined);
  thread.on('message', (message: FromWorker) => {
    if (message.type === 'ready') markReady(message.priority);
    if (message.type === 'attempts') onAttempts?.(message.notices);
    if (message.type === 'lag') onLag?.(message.ms);
    if (message.type === 'failed') {
      end(message.message);
      void thread.terminate();
    }
  });
  thread.on('error', (err) => {
    const code = (err as NodeJS.ErrnoException).code;
    end(code === 'ERR_WORKER_OUT_OF_MEMORY' ? `its live data outgrew the heap budget of ${heapMb} MiB (LINKWIRE_WORKER_HEAP_MB)` : (err.stack ?? err.message));
  });
  thread.on('exit', (code) => end(`exited with code ${code}`));
  return { thread, ready, ended };
}

/**
 * Starts the thread and resolves once it is ready (a thread that cannot start the first time
 * fails `serve`, as a configuration error would); afterwards a failed thread is restarted.
 */
export async function startWorkerThread(options: WorkerThreadOptions): Promise<WorkerThreadHost> {
  const baseBackoff = options.backoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const data: WorkerThreadData = { ingestJournal: options.ingestJournal, nice: options.nice ?? 0, lagBoundMs: options.nice ? (options.lagBoundMs ?? 0) : 0 };
  // One governor per running thread (a restarted thread has a new thread id).
  let governor: LagGovernor | null = null;
  const govern = (priority: PriorityOutcome) => {
    governor?.stop();
    governor = null;
    if (data.lagBoundMs <= 0 || !priority.applied) return;
    const tid = priority.tid;
    const lowered = data.nice;
    governor = new LagGovernor({
      boundMs: data.lagBoundMs,
      // "Normal" is the main thread's own priority: a process started with `nice` stays that nice.
      apply: (policy) => setThreadPriority(tid, policy === 'idle' ? { lowered } : { normalNice: getPriority() }),
      onRefused: (policy, err) =>
        options.log.error(`delivery worker thread: cannot switch to ${policy} priority (${err instanceof Error ? err.message : String(err)}); it stays lowered (LINKWIRE_WORKER_LAG_BOUND_MS=0 says so without trying)`),
      onChange: (policy, lag) => options.log.info(`delivery worker thread: ${policy === 'normal' ? `clicks ${Math.round(lag)} ms behind, over the ${data.lagBoundMs} ms bound: normal priority` : 'caught up: lowered priority again'}`),
    });
  };
  const onLag = (ms: number) => governor?.report(ms);
  // libuv's thread pool (fs writes of the click journal, crypto, DNS) is created by whichever
  // thread uses it first, and new threads inherit their creator's priority: the main thread
  // creates it, so a niced worker thread never slows the journal's writes.
  if (data.nice !== 0) await new Promise<void>((resolve) => stat(process.cwd(), () => resolve()));
  const heapMb = options.heapMb ?? 0;
  const first = spawn(data, heapMb, options.onAttempts, onLag);
  const priority = await first.ready;
  if (data.nice !== 0) options.log.info(describePriority(priority));
  govern(priority);
  let current: RunningThread = first;
  let stopping = false;
  let backoff = baseBackoff;
  let restartTimer: NodeJS.Timeout | null = null;

  const supervise = (running: RunningThread, startedAt: number) => {
    void running.ended.then((reason) => {
      if (stopping || running !== current) return;
      if (Date.now() - startedAt > 60_000) backoff = baseBackoff;
      options.log.error(`delivery worker thread failed (${reason}); starting it again in ${backoff} ms`);
      const delay = backoff;
      backoff = Math.min(maxBackoff, backoff * 2);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        if (stopping) return;
        const next = spawn(data, heapMb, options.onAttempts, onLag);
        current = next;
        supervise(next, Date.now());
        next.ready.then(
          (restarted) => {
            options.log.info('delivery worker thread running again');
            govern(restarted);
          },
          () => undefined, // `ended` reports it and schedules the next try
        );
      }, delay);
    });
  };
  supervise(current, Date.now());

  let nextRequest = 0;
  return {
    metricsSnapshot() {
      const { thread } = current;
      const id = ++nextRequest;
      return new Promise<MetricSnapshot | null>((resolve) => {
        // A thread busy with a long transaction or restarting must not hold the scrape: after a
        // second the scrape answers without its figures.
        const timer = setTimeout(() => finish(null), METRICS_WAIT_MS);
        const onMessage = (message: FromWorker) => {
          if (message.type === 'metrics' && message.id === id) finish(message.metrics);
        };
        const finish = (result: MetricSnapshot | null) => {
          clearTimeout(timer);
          thread.off('message', onMessage);
          resolve(result);
        };
        thread.on('message', onMessage);
        try {
          thread.postMessage({ type: 'metrics', id } satisfies ToWorker);
        } catch {
          finish(null);
        }
      });
    },
    async stop() {
      stopping = true;
      governor?.stop();
      if (restartTimer) clearTimeout(restartTimer);
      const { thread, ended } = current;
      const stopped = new Promise<void>((resolve) => {
        thread.on('message', (message: FromWorker) => {
          if (message.type === 'stopped' || message.type === 'failed') resolve();
        });
        void ended.then(() => resolve());
      });
      thread.postMessage({ type: 'stop' } satisfies ToWorker);
      await stopped;
      await thread.terminate();
    },
  };
}

function describePriority(priority: PriorityOutcome): string {
  if (!priority.applied) return `delivery worker thread priority unchanged: ${priority.reason}`;
  if (priority.policy === 'idle') return 'delivery worker thread runs under SCHED_IDLE (redirects first)';
  return `delivery worker thread runs at nice ${priority.nice} (redirects first)${priority.note ? `; ${priority.note}` : ''}`;
}

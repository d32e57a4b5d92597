/**
 * Starts and supervises the worker thread of the one-process mode (see worker-thread.ts and
 * docs/click-journal.md). A thread that fails — a database error nobody caught, say — is logged
 * and started again with backoff: losing the database must fail the operation in hand, never the
 * process, and the redirects on the main thread keep answering meanwhile.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-thread.js';

export interface WorkerThreadLog {
  error(message: string): void;
  info(message: string): void;
}

export interface WorkerThreadHost {
  stop(): Promise<void>;
}

export interface WorkerThreadOptions {
  ingestJournal: boolean;
  log: WorkerThreadLog;
  /** First restart delay; doubles up to maxBackoffMs, back to this after a minute of running. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface RunningThread {
  thread: Worker;
  /** Resolves with why the thread ended (it ended unasked), or never while it runs. */
  ended: Promise<string>;
}

function spawn(ingestJournal: boolean): { thread: Worker; ready: Promise<void>; ended: Promise<string> } {
  // Built, the thread's entry is worker-thread.js next to this file. Under tsx (development, tests)
  // it is .ts, and a worker thread needs tsx's loader registered inside it first.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker-thread.ts' : './worker-thread.js', import.meta.url);
  const thread = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData: { ingestJournal } })
    : new Worker(entry, { workerData: { ingestJournal } });
  let markReady: () => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  let markEnded: (reason: string) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
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
    if (message.type === 'ready') markReady();
    if (message.type === 'failed') {
      end(message.message);
      void thread.terminate();
    }
  });
  thread.on('error', (err) => end(err.stack ?? err.message));
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
  const first = spawn(options.ingestJournal);
  await first.ready;
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
        const next = spawn(options.ingestJournal);
        current = next;
        supervise(next, Date.now());
        next.ready.then(
          () => options.log.info('delivery worker thread running again'),
          () => undefined, // `ended` reports it and schedules the next try
        );
      }, delay);
    });
  };
  supervise(current, Date.now());

  return {
    async stop() {
      stopping = true;
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

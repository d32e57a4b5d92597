import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints of an SQLite file, run on a thread of their own.
 *
 * By default SQLite checkpoints inside the commit that finds 1 000 pages in the WAL: that commit
 * copies them into the database file and fsyncs both, 20–35 ms on these machines, on the thread
 * that committed. In the embedded server that is the worker thread, whose event loop also sends
 * and answers deliveries: one commit in about 60 stalled every delivery in flight (51 of 3 199
 * commits at 200 clicks/s took over 3 ms, 1.05 s of the 1.6 s all commits took).
 *
 * Here a thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * `CHECKPOINT_INTERVAL_MS`. A passive checkpoint waits for nobody and blocks nobody: writers go on
 * appending to the WAL meanwhile, and it copies what no reader still needs. But the WAL only starts
 * over from its beginning when a writer begins while everything in it has been copied, which a
 * steady stream of commits never allows, so once it holds `RESTART_PAGES` the thread runs a
 * RESTART checkpoint: that one waits for the writer in hand and makes the next writers wait while
 * it copies what is left (a few hundred ms of commits, the rest is copied already) and starts the
 * WAL over: a short pause every 64 MiB written, where SQLite's own way pauses every 8 MiB and
 * for longer. The connections that write leave checkpoints to this thread
 * (`DEFERRED_AUTOCHECKPOINT_PAGES`), keeping SQLite's own as a safety net should it ever stop.
 */
export const CHECKPOINT_INTERVAL_MS = 200;
/** 64 MiB of 8 KiB pages. */
export const RESTART_PAGES = 8_192;
/** The writers' own checkpoint threshold while this thread checkpoints: 128 MiB of 8 KiB pages. */
export const DEFERRED_AUTOCHECKPOINT_PAGES = 16_384;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Runs in the thread: CommonJS, so it needs no loader (tests run the sources through one). */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
// How long a RESTART waits for the writer in hand and for readers, while holding new writers
// back: not long; if it cannot finish by then it gives up and is tried again next time.
db.pragma('busy_timeout = 100');
let failing = false;
const timer = setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive && passive.log >= workerData.restartPages) db.pragma('wal_checkpoint(RESTART)');
    failing = false;
  } catch (err) {
    // Told once per run of failures; the writers' own threshold still bounds the WAL meanwhile.
    if (!failing) parentPort.postMessage({ error: String((err && err.message) || err) });
    failing = true;
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

/** Where a failing checkpoint thread is reported: the operator should know, and the WAL is still bounded. */
function reportCheckpointError(message: string): void {
  process.stderr.write(`database checkpoint failed (${message}); commits checkpoint themselves past a bound meanwhile\n`);
}

export function startCheckpointer(path: string, options: { restartPages?: number } = {}): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const workerData = { path, module, intervalMs: CHECKPOINT_INTERVAL_MS, restartPages: options.restartPages ?? RESTART_PAGES };
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData });
  // The process may exit with it running: it holds nothing a checkpoint on the next open cannot redo.
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) reportCheckpointError(message.error);
  });
  worker.on('error', (err) => reportCheckpointError(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held until it has exited: a caller awaiting this must not see the process end under it.
      worker.ref();
      worker.postMessage('stop');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
    },
  };
}

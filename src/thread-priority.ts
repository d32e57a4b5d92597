/**
 * Background work yields the CPU to redirects: the worker thread of the one-process mode (fan-out,
 * deliveries, the click journal's ingester) lowers its own scheduling priority, so that under a
 * redirect storm the main thread keeps the cores and the journal absorbs the burst; whatever CPU
 * the redirects leave idle still goes to the worker at once (a niced thread is not throttled, it
 * only loses when both want the same core). See docs/click-journal.md.
 *
 * Linux schedules threads individually and `setpriority(PRIO_PROCESS, tid)` renices one thread;
 * other systems renice the whole process for that call, which would slow the redirects too, so
 * there the setting is ignored (and says why).
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { ConfigError } from './config.js';

/** Default niceness of the worker thread (0 = same as the redirects, 19 = lowest). */
export const DEFAULT_WORKER_NICE = 10;

/** LINKWIRE_WORKER_NICE: an integer 0–19 (0 turns the lowering off). */
export function parseWorkerNice(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_WORKER_NICE;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new ConfigError(`LINKWIRE_WORKER_NICE must be an integer from 0 to 19, got "${value}"`);
  return n;
}

export type PriorityOutcome = { applied: true; tid: number; nice: number } | { applied: false; reason: string };

export interface PriorityDeps {
  platform: NodeJS.Platform;
  /** The calling thread's kernel id. */
  threadId(): number;
  getPriority(id: number): number;
  setPriority(id: number, nice: number): void;
}

const systemDeps: PriorityDeps = {
  platform: process.platform,
  // "/proc/thread-self" links to "<pid>/task/<tid>" for the thread that reads it.
  threadId: () => Number(readlinkSync('/proc/thread-self').split('/').pop()),
  getPriority: (id) => getPriority(id),
  setPriority: (id, nice) => setPriority(id, nice),
};

/**
 * Lowers the calling thread's priority to `nice`. Never throws: a system that refuses (a
 * container without /proc, a sandbox) leaves the thread at normal priority, which is only slower.
 */
export function lowerCurrentThreadPriority(nice: number, deps: PriorityDeps = systemDeps): PriorityOutcome {
  if (nice <= 0) return { applied: false, reason: 'LINKWIRE_WORKER_NICE is 0' };
  if (deps.platform !== 'linux') return { applied: false, reason: `${deps.platform} sets priorities per process, not per thread` };
  try {
    const tid = deps.threadId();
    if (!Number.isInteger(tid) || tid <= 0) return { applied: false, reason: 'the thread id could not be read from /proc/thread-self' };
    // A process started niced already (`nice -n 15 linkwire serve`): never raise a thread's priority.
    const current = deps.getPriority(tid);
    if (current >= nice) return { applied: false, reason: `the thread already runs at nice ${current}` };
    deps.setPriority(tid, nice);
    return { applied: true, tid, nice };
  } catch (err) {
    return { applied: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

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
import { execFile, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { WorkerNice } from '../config/worker-thread-settings.js';

/** With `idle`, the thread is reniced to this first: what it keeps where SCHED_IDLE is refused. */
export const IDLE_FALLBACK_NICE = 19;

export type PriorityOutcome =
  | { applied: true; tid: number; nice: number; policy: 'idle' | 'normal'; note?: string }
  | { applied: false; reason: string };

export interface PriorityDeps {
  platform: NodeJS.Platform;
  /** The calling thread's kernel id. */
  threadId(): number;
  getPriority(id: number): number;
  setPriority(id: number, nice: number): void;
  /** Puts the thread under SCHED_IDLE; throws with the reason when that is refused. */
  setIdlePolicy(id: number): void;
}

const systemDeps: PriorityDeps = {
  platform: process.platform,
  // "/proc/thread-self" links to "<pid>/task/<tid>" for the thread that reads it.
  threadId: () => Number(readlinkSync('/proc/thread-self').split('/').pop()),
  getPriority: (id) => getPriority(id),
  setPriority: (id, nice) => setPriority(id, nice),
  // Node has no sched_setscheduler; util-linux's chrt (in every Debian and most other systems) does
  // it for a thread id. Any process may move its own threads to SCHED_IDLE, no privilege needed.
  setIdlePolicy: (id) => {
    const result = spawnSync('chrt', ['--idle', '--pid', '0', String(id)], { timeout: 5000, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`chrt: ${result.stderr.toString().trim() || `exit ${String(result.status)}`}`);
  },
};

/**
 * Lowers the calling thread's priority to `setting`. Never throws: a system that refuses (a
 * container without /proc or chrt, a sandbox) leaves the thread at normal priority (or, for `idle`,
 * at nice 19), which is only slower.
 */
export function lowerCurrentThreadPriority(setting: WorkerNice, deps: PriorityDeps = systemDeps): PriorityOutcome {
  if (setting === 0) return { applied: false, reason: 'LINKWIRE_WORKER_NICE is 0' };
  if (deps.platform !== 'linux') return { applied: false, reason: `${deps.platform} sets priorities per process, not per thread` };
  try {
    const tid = deps.threadId();
    if (!Number.isInteger(tid) || tid <= 0) return { applied: false, reason: 'the thread id could not be read from /proc/thread-self' };
    const nice = setting === 'idle' ? IDLE_FALLBACK_NICE : setting;
    // A process started niced already (`nice -n 15 linkwire serve`): never raise a thread's priority.
    const current = deps.getPriority(tid);
    if (current < nice) deps.setPriority(tid, nice);
    else if (setting !== 'idle') return { applied: false, reason: `the thread already runs at nice ${current}` };
    const reniced = Math.max(current, nice);
    if (setting !== 'idle') return { applied: true, tid, nice: reniced, policy: 'normal' };
    try {
      deps.setIdlePolicy(tid);
      return { applied: true, tid, nice: reniced, policy: 'idle' };
    } catch (err) {
      return { applied: true, tid, nice: reniced, policy: 'normal', note: `SCHED_IDLE refused (${err instanceof Error ? err.message : String(err)})` };
    }
  } catch (err) {
    return { applied: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Moves thread `tid` of this process (from any thread: the main thread does it for the worker, see
 * worker-lag-policy.ts) between its lowered setting and `normalNice` under SCHED_OTHER. chrt runs
 * as a child process without blocking the caller's event loop. Raising needs CAP_SYS_NICE (or a
 * RLIMIT_NICE that allows it): without, this rejects with the system's reason.
 */
export async function setThreadPriority(tid: number, target: { lowered: WorkerNice } | { normalNice: number }): Promise<void> {
  if ('lowered' in target) {
    const nice = target.lowered === 'idle' ? IDLE_FALLBACK_NICE : target.lowered;
    if (getPriority(tid) < nice) setPriority(tid, nice);
    if (target.lowered === 'idle') await chrt(['--idle', '--pid', '0', String(tid)]);
    return;
  }
  // SCHED_IDLE → SCHED_OTHER first: the kernel checks the nice value the thread has when it leaves SCHED_IDLE.
  await chrt(['--other', '--pid', '0', String(tid)]);
  if (getPriority(tid) > target.normalNice) setPriority(tid, target.normalNice);
}

function chrt(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('chrt', args, { timeout: 5000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`chrt ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

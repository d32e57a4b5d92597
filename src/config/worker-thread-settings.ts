import { ConfigError } from './config-error.js';

/*
 * The worker thread's settings (LINKWIRE_WORKER_THREAD, LINKWIRE_WORKER_NICE, LINKWIRE_WORKER_HEAP_MB),
 * read by loadConfig like every other variable; src/threads/ applies them.
 */

/**
 * The worker thread's priority: `idle` (Linux's SCHED_IDLE: it runs only on a core nothing else
 * wants, and a waking redirect or load balancer takes the core from it at once), or a niceness,
 * 0 (same as the redirects) to 19.
 */
export type WorkerNice = number | 'idle';

/**
 * SCHED_IDLE by default. Niceness alone was not enough: at nice 10 a busy worker still held a core
 * for a few milliseconds after the redirect thread or the load's own process woke up, and on two
 * cores, A/B in alternating rounds (`node --import tsx bench/redirect-ab.ts sqlite 5 8
 * LINKWIRE_WORKER_NICE=10 LINKWIRE_WORKER_NICE=idle`, 2026-12-01): 0.45× bare at nice 10 against
 * 0.55× with SCHED_IDLE, p99 9.2 → 7.1 ms (medians of 5 rounds; three such runs, 12 rounds in all,
 * gave 0.46× against 0.53×).
 */
export const DEFAULT_WORKER_NICE: WorkerNice = 'idle';

/** LINKWIRE_WORKER_NICE: `idle`, or an integer 0–19 (0 turns the lowering off). */
export function parseWorkerNice(value: string | undefined): WorkerNice {
  if (value === undefined || value.trim() === '') return DEFAULT_WORKER_NICE;
  if (value.trim() === 'idle') return 'idle';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new ConfigError(`LINKWIRE_WORKER_NICE must be "idle" or an integer from 0 to 19, got "${value}"`);
  return n;
}

/**
 * The worker thread's heap budget (LINKWIRE_WORKER_HEAP_MB): V8's old-generation limit for the
 * thread that fans out, sends and ingests. Without a limit V8 lets the old generation grow to
 * several times what is alive while allocation runs fast (measured: a worker draining 100 k
 * deliveries peaked at 155 MiB of heap for 30–60 MiB alive), so a long drain looks like a leak on
 * the host's memory graphs. With one, V8 collects before the budget is reached. A thread whose live
 * data outgrows the budget is ended by V8 and started again by src/threads/worker-thread-host.ts; its
 * leased deliveries are claimed again when their lease ends, so nothing is lost.
 */
export const DEFAULT_WORKER_HEAP_MB = 160;

/** 0 means no budget (V8's own default, sized from the machine's memory). */
export function parseWorkerHeapMb(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_WORKER_HEAP_MB;
  const n = Number(value);
  if (!Number.isInteger(n) || (n !== 0 && (n < 64 || n > 65_536))) {
    throw new ConfigError(`LINKWIRE_WORKER_HEAP_MB must be 0 (no limit) or an integer from 64 to 65536 (MiB), got "${value}"`);
  }
  return n;
}

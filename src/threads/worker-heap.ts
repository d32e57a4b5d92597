import { ConfigError } from '../config/config-error.js';

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

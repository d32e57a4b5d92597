export type Cancel = () => void;

/**
 * Runs `fn` after `ms` milliseconds, or — for 0 — right after the current I/O phase, so work
 * that arrived in the same event-loop turn is batched together without adding a timer's delay.
 */
export function later(ms: number, fn: () => void): Cancel {
  if (ms <= 0) {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  }
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
}

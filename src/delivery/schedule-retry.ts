import type { AttemptOutcome } from './outcome.js';
import { retryDelayMs, type RetryPolicy } from './retry-policy.js';

/**
 * Where a retry is scheduled. After a failed attempt the delivery is pending again at now + the
 * policy's delay (retry-policy.ts computes it, jitter and Retry-After included), or failed for good
 * (null): test sends are never retried, nor is an attempt whose endpoint is being switched off, nor
 * one past the end of the schedule. The worker's loop wakes up when `next_attempt_at` falls due;
 * the result writer stores the decisions of a whole batch in one statement (sql/retry-or-fail.ts).
 */
export function retryAt(
  attempt: { isTest: boolean; attempt: number; retry: RetryPolicy; outcome: Extract<AttemptOutcome, { kind: 'failed' }> },
  now: number,
  random: () => number,
): number | null {
  const delay = attempt.isTest || attempt.outcome.disableEndpoint ? null : retryDelayMs(attempt.retry, attempt.attempt, random, attempt.outcome.retryAfterMs);
  return delay === null ? null : now + delay;
}

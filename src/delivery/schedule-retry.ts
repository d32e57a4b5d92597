import type { Tx } from '../storage/storage.js';
import { retryOrFail } from './delivery-store.js';
import type { AttemptOutcome } from './outcome.js';
import { retryDelayMs, type RetryPolicy } from './retry-policy.js';

/**
 * Where a retry is scheduled. After a failed attempt the delivery is pending again at now + the
 * policy's delay (retry-policy.ts computes it, jitter and Retry-After included), or failed for good:
 * test sends are never retried, nor is an attempt whose endpoint is being switched off, nor one
 * past the end of the schedule. The worker's loop wakes up when `next_attempt_at` falls due.
 */
export async function scheduleRetryOrFail(
  tx: Tx,
  attempt: { deliveryId: string; isTest: boolean; attempt: number; retry: RetryPolicy; outcome: Extract<AttemptOutcome, { kind: 'failed' }> },
  leaseOwner: string,
  now: number,
  random: () => number,
): Promise<'pending' | 'failed'> {
  const delay = attempt.isTest || attempt.outcome.disableEndpoint ? null : retryDelayMs(attempt.retry, attempt.attempt, random, attempt.outcome.retryAfterMs);
  await retryOrFail(tx.db, attempt.deliveryId, leaseOwner, now, delay === null ? null : now + delay);
  return delay === null ? 'failed' : 'pending';
}

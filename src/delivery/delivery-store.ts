/**
 * The deliveries table: every statement that reads or writes it, one hot statement a file under
 * sql/. A delivery is pending until a worker claims it with a lease (free when `lease_until` is null
 * or past: sql/claim.ts), then succeeded, pending again at a later time (a retry), or failed.
 */
export { endpointsWithDue } from './sql/endpoints-with-due.js';
export { claimDue, claimRound, eventsByIds, type ClaimWant, type Claimed, type ClaimRoundWants } from './sql/claim.js';
export { webhooksByIds } from './sql/webhooks-by-ids.js';
export { failOrphans } from './sql/fail-orphans.js';
export { releaseAllClaimsOf, releaseClaims, releaseStaleClaims } from './sql/release.js';
export { nextDueAt } from './sql/next-due.js';
export { markSucceeded } from './sql/succeed.js';
export { retryOrFail, type RetryOrFail } from './sql/retry-or-fail.js';
export { setFailureStreaks, type EndpointStreakRow } from './sql/failure-streaks.js';
export { requeueDelivery, requeueSince } from './sql/replay.js';
export { purgeDeliveries } from './sql/purge.js';
export { failPendingOfWebhooks } from './sql/fail-pending-of-webhooks.js';
export { findDelivery, listDeliveries } from './sql/find.js';
export { insertTestSend, type TestSendRecord } from './sql/insert-test-send.js';

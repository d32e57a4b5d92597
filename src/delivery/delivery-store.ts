/**
 * The deliveries and delivery_attempts tables: the one door to the statements that read or write
 * them, one statement (or a small tight group) a file under sql/, each taking the storage or a
 * transaction (`Queryable`; a `Tx` where it must run inside one). Lint keeps both rules: no module
 * outside sql/ names these tables in a query, and none but this file imports sql/.
 *
 * A delivery is pending until a worker claims it with a lease (free when `lease_until` is null
 * or past: sql/claim.ts), then succeeded, pending again at a later time (a retry), or failed.
 */
// Fan-out and claims
export { insertDeliveries } from './sql/insert-deliveries.js';
export { countDueByEndpoint } from './sql/count-due.js';
export { endpointsWithDue } from './sql/endpoints-with-due.js';
export { claimDue, claimRound, eventsByIds, type ClaimWant, type Claimed, type ClaimRoundWants } from './sql/claim.js';
export { webhooksByIds } from './sql/webhooks-by-ids.js';
export { failOrphans } from './sql/fail-orphans.js';
export { releaseAllClaimsOf, releaseClaims, releaseStaleClaims } from './sql/release.js';
export { nextDueAt } from './sql/next-due.js';
// Results
export { insertAttempts } from './sql/insert-attempts.js';
export { recordSuccesses } from './sql/record-successes.js';
export { markSucceeded } from './sql/succeed.js';
export { retryOrFail, type RetryOrFail } from './sql/retry-or-fail.js';
export { setFailureStreaks, type EndpointStreakRow } from './sql/failure-streaks.js';
// The API: the delivery log, replays, test sends, health
export { findDelivery, listAttempts, listDeliveries } from './sql/find.js';
export { requeueDelivery, requeueSince } from './sql/replay.js';
export { insertTestSend, type TestSendRecord } from './sql/insert-test-send.js';
export { countDeliveriesSince, lastAttemptOf } from './sql/webhook-health.js';
// Webhooks deleted, retention, metrics
export { failPendingOfWebhooks } from './sql/fail-pending-of-webhooks.js';
export { purgeDeliveries } from './sql/purge.js';
export { purgeEvents } from './sql/purge-events.js';
export { deliveryBacklog, type DeliveryBacklog } from './sql/backlog.js';

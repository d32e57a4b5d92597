import type { DeliveryAttemptTable } from '../../storage/schema.js';
import { runText } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

/**
 * PostgreSQL: a batch of successful attempts in ONE statement, data-modifying CTEs in one implicit
 * transaction: the attempt log rows, the deliveries this worker still holds marked succeeded, and
 * the failure streak of their endpoints ended. The same writes as BEGIN, three statements and
 * COMMIT, in one round trip instead of five (each a wait on a 2-core machine where the database
 * and the worker share the CPU).
 */
const TEXT = `
with attempts as (
  insert into delivery_attempts (id, delivery_id, workspace_id, attempt, started_at, status_code, response_time_ms, error, response_body, request_headers, worker_id)
  select a.*, $11::text from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[])
    as a(id, delivery_id, workspace_id, attempt, started_at, status_code, response_time_ms, error, response_body, request_headers)
), succeeded as (
  update deliveries set status = 'succeeded', attempts_count = attempts_count + 1, next_attempt_at = null, lease_until = null, lease_owner = null, updated_at = $12
  where id = any($2::text[]) and lease_owner = $11
), healthy as (
  update webhooks set consecutive_failures = 0, failing_since = null where id = any($13::text[]) and consecutive_failures > 0
)
-- synchronous_commit off for this statement's own transaction (Tx.commitWithoutFlush): lost with a crashed
-- server, these deliveries are sent again.
select set_config('synchronous_commit', 'off', true)`;

/**
 * Writes succeeded attempts (rows without `worker_id`: it is `owner`) and their effects; `healthyHooks` are their (non-test) endpoints.
 * Only where the dialect has data-modifying CTEs (`Queryable.sql.dataModifyingCtes`): PostgreSQL.
 */
export async function recordSuccesses(
  on: Queryable,
  attempts: readonly Omit<DeliveryAttemptTable, 'worker_id'>[],
  healthyHooks: readonly string[],
  owner: string,
  now: number,
): Promise<void> {
  if (attempts.length === 0) return;
  await runText(on.db, TEXT, [
    attempts.map((a) => a.id),
    attempts.map((a) => a.delivery_id),
    attempts.map((a) => a.workspace_id),
    attempts.map((a) => a.attempt),
    attempts.map((a) => a.started_at),
    attempts.map((a) => a.status_code),
    attempts.map((a) => a.response_time_ms),
    attempts.map((a) => a.error),
    attempts.map((a) => a.response_body),
    attempts.map((a) => a.request_headers),
    owner,
    now,
    healthyHooks,
  ]);
}

import { runText, textPerDialect, type RowListColumn } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

/** A failed attempt's consequence: pending again at `retryAt`, or failed for good when null. */
export interface RetryOrFail {
  id: string;
  retryAt: number | null;
}

const ROWS: readonly RowListColumn[] = [
  ['id', 'text'],
  ['at', 'bigint'],
];
const TEXT = textPerDialect(
  (sql) =>
    "update deliveries set status = case when v.at is null then 'failed' else 'pending' end, attempts_count = deliveries.attempts_count + 1, " +
    `next_attempt_at = v.at, lease_until = null, lease_owner = null, updated_at = ${sql.param(1)} ` +
    `from ${sql.rowList(2, 'v', ROWS)} where deliveries.id = v.id and deliveries.lease_owner = ${sql.param(2 + ROWS.length)}`,
);

/**
 * Records failed attempts on deliveries this worker holds, all in one statement: each pending
 * again at its `retryAt`, or failed for good. The delays themselves are decided in ../schedule-retry.ts.
 */
export async function retryOrFail(on: Queryable, rows: readonly RetryOrFail[], owner: string, now: number): Promise<void> {
  if (rows.length === 0) return;
  const values = on.sql.rowListValues(
    rows.map((r) => [r.id, r.retryAt]),
    ROWS.length,
  );
  await runText(on.db, TEXT(on.sql), [now, ...values, owner]);
}

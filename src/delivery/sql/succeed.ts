import { runText, textPerDialect } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

const TEXT = textPerDialect(
  (sql) =>
    `update deliveries set status = 'succeeded', attempts_count = attempts_count + 1, next_attempt_at = null, lease_until = null, lease_owner = null, ` +
    `updated_at = ${sql.param(1)} where id in ${sql.idList(2)} and lease_owner = ${sql.param(3)}`,
);

/** Marks deliveries this worker holds as succeeded (one attempt more, claim cleared): one statement for any number. */
export async function markSucceeded(on: Queryable, ids: readonly string[], owner: string, now: number): Promise<void> {
  if (ids.length === 0) return;
  await runText(on.db, TEXT(on.sql), [now, on.sql.idListValue(ids), owner]);
}

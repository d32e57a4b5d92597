import { runText, textPerDialect } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

const TEXT = textPerDialect(
  (sql) =>
    `select w.id from webhooks w where w.active = 1 and w.id not in ${sql.idList(1)} and exists (` +
    `select 1 from deliveries d where d.webhook_id = w.id and d.status = 'pending' and d.next_attempt_at <= ${sql.param(2)} ` +
    `and (d.lease_until is null or d.lease_until < ${sql.param(3)}))`,
);

/**
 * The active endpoints that have a claimable delivery due now, leaving out `excluding` (endpoints
 * whose queue is full). One index probe per endpoint, never a scan of the backlog.
 */
export async function endpointsWithDue(on: Queryable, now: number, excluding: readonly string[]): Promise<string[]> {
  const rows = await runText<{ id: string }>(on.db, TEXT(on.sql), [on.sql.idListValue(excluding), now, now]);
  return rows.map((r) => r.id);
}

import { runText, textPerDialect, type RowListColumn } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

/** An endpoint's failure streak after a batch of results (endpoint-health.ts decides it). */
export interface EndpointStreakRow {
  id: string;
  failures: number;
  since: number | null;
}

const ROWS: readonly RowListColumn[] = [
  ['id', 'text'],
  ['failures', 'int'],
  ['since', 'bigint'],
];
const TEXT = textPerDialect(
  (sql) => `update webhooks set consecutive_failures = v.failures, failing_since = v.since from ${sql.rowList(1, 'v', ROWS)} where webhooks.id = v.id`,
);

/** Stores the failure streaks of several endpoints in one statement. */
export async function setFailureStreaks(on: Queryable, rows: readonly EndpointStreakRow[]): Promise<void> {
  if (rows.length === 0) return;
  await runText(
    on.db,
    TEXT(on.sql),
    on.sql.rowListValues(
      rows.map((r) => [r.id, r.failures, r.since]),
      ROWS.length,
    ),
  );
}

import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { Dialect } from '../../storage/storage.js';
import { run } from './raw.js';

/** A failed attempt's consequence: pending again at `retryAt`, or failed for good when null. */
export interface RetryOrFail {
  id: string;
  retryAt: number | null;
}

const SET =
  "status = case when v.at is null then 'failed' else 'pending' end, attempts_count = deliveries.attempts_count + 1, next_attempt_at = v.at, lease_until = null, lease_owner = null";
const TEXT = {
  sqlite: `update deliveries set ${SET}, updated_at = ? from (select value ->> '$[0]' as id, value ->> '$[1]' as at from json_each(?)) as v where deliveries.id = v.id and deliveries.lease_owner = ?`,
  postgres: `update deliveries set ${SET}, updated_at = $1 from unnest($2::text[], $3::bigint[]) as v(id, at) where deliveries.id = v.id and deliveries.lease_owner = $4`,
};

/**
 * Records failed attempts on deliveries this worker holds, all in one statement: each pending
 * again at its `retryAt`, or failed for good. The delays themselves are decided in ../schedule-retry.ts.
 */
export async function retryOrFail(db: Kysely<Database>, dialect: Dialect, rows: readonly RetryOrFail[], owner: string, now: number): Promise<void> {
  if (rows.length === 0) return;
  const parameters =
    dialect === 'postgres'
      ? [now, rows.map((r) => r.id), rows.map((r) => r.retryAt), owner]
      : [now, JSON.stringify(rows.map((r) => [r.id, r.retryAt])), owner];
  await run(db, TEXT[dialect], parameters);
}

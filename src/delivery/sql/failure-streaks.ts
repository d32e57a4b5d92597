import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { Dialect } from '../../storage/storage.js';
import { run } from './raw.js';

/** An endpoint's failure streak after a batch of results (endpoint-health.ts decides it). */
export interface EndpointStreakRow {
  id: string;
  failures: number;
  since: number | null;
}

const TEXT = {
  sqlite:
    "update webhooks set consecutive_failures = v.failures, failing_since = v.since from (select value ->> '$[0]' as id, value ->> '$[1]' as failures, value ->> '$[2]' as since from json_each(?)) as v where webhooks.id = v.id",
  postgres:
    'update webhooks set consecutive_failures = v.failures, failing_since = v.since from unnest($1::text[], $2::int[], $3::bigint[]) as v(id, failures, since) where webhooks.id = v.id',
};

/** Stores the failure streaks of several endpoints in one statement. */
export async function setFailureStreaks(db: Kysely<Database>, dialect: Dialect, rows: readonly EndpointStreakRow[]): Promise<void> {
  if (rows.length === 0) return;
  const parameters =
    dialect === 'postgres'
      ? [rows.map((r) => r.id), rows.map((r) => r.failures), rows.map((r) => r.since)]
      : [JSON.stringify(rows.map((r) => [r.id, r.failures, r.since]))];
  await run(db, TEXT[dialect], parameters);
}

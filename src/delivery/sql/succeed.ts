import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { Dialect } from '../../storage/storage.js';
import { idsParameter, idsValue, param, run } from './raw.js';

const text = (d: Dialect) =>
  `update deliveries set status = 'succeeded', attempts_count = attempts_count + 1, next_attempt_at = null, lease_until = null, lease_owner = null, ` +
  `updated_at = ${param(d, 1)} where id in ${idsParameter(d, 2)} and lease_owner = ${param(d, 3)}`;
const TEXT = { sqlite: text('sqlite'), postgres: text('postgres') };

/** Marks deliveries this worker holds as succeeded (one attempt more, claim cleared): one statement for any number. */
export async function markSucceeded(db: Kysely<Database>, dialect: Dialect, ids: readonly string[], owner: string, now: number): Promise<void> {
  if (ids.length === 0) return;
  await run(db, TEXT[dialect], [now, idsValue(dialect, ids), owner]);
}

import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** When the earliest unclaimed pending delivery falls due (null when there is none). */
export async function nextDueAt(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('deliveries')
    .select('next_attempt_at')
    .where('status', '=', 'pending')
    .where('lease_until', 'is', null)
    .orderBy('next_attempt_at')
    .limit(1)
    .executeTakeFirst();
  return row?.next_attempt_at ?? null;
}

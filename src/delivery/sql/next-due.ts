import type { Queryable } from '../../storage/storage.js';

/** When the earliest unclaimed pending delivery falls due (null when there is none). */
export async function nextDueAt(on: Queryable): Promise<number | null> {
  const row = await on.db
    .selectFrom('deliveries')
    .select('next_attempt_at')
    .where('status', '=', 'pending')
    .where('lease_until', 'is', null)
    .orderBy('next_attempt_at')
    .limit(1)
    .executeTakeFirst();
  return row?.next_attempt_at ?? null;
}

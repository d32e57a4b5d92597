import { sql } from 'kysely';
import type { Queryable } from '../../storage/storage.js';

/** How many pending deliveries each of these endpoints has due at `now` (endpoints with none are absent). */
export async function countDueByEndpoint(on: Queryable, webhookIds: readonly string[], now: number): Promise<Map<string, number>> {
  if (webhookIds.length === 0) return new Map();
  const counts = await on.db
    .selectFrom('deliveries')
    .select((eb) => ['webhook_id', eb.fn.countAll<number | string>().as('n')])
    .where('webhook_id', 'in', [...webhookIds])
    // A literal, so both databases can read the pending-only index.
    .where(sql<boolean>`status = 'pending'`)
    .where('next_attempt_at', '<=', now)
    .groupBy('webhook_id')
    .execute();
  return new Map(counts.map((c) => [c.webhook_id, Number(c.n)]));
}

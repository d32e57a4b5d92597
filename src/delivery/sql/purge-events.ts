import type { Queryable } from '../../storage/storage.js';

/**
 * Deletes up to `limit` events from before `cutoff` that no pending delivery still needs (a
 * delivery being retried renders its event's body); answers how many.
 */
export async function purgeEvents(on: Queryable, cutoff: number, limit: number): Promise<number> {
  const old = await on.db
    .selectFrom('events')
    .select('id')
    .where('timestamp', '<', cutoff)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.event_id', '=', 'events.id').where('deliveries.status', '=', 'pending'))))
    .limit(limit)
    .execute();
  if (old.length) await on.db.deleteFrom('events').where('id', 'in', old.map((e) => e.id)).execute();
  return old.length;
}

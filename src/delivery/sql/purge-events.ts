import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/**
 * Deletes up to `limit` events from before `cutoff` that no pending delivery still needs (a
 * delivery being retried renders its event's body); answers how many.
 */
export async function purgeEvents(db: Kysely<Database>, cutoff: number, limit: number): Promise<number> {
  const old = await db
    .selectFrom('events')
    .select('id')
    .where('timestamp', '<', cutoff)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.event_id', '=', 'events.id').where('deliveries.status', '=', 'pending'))))
    .limit(limit)
    .execute();
  if (old.length) await db.deleteFrom('events').where('id', 'in', old.map((e) => e.id)).execute();
  return old.length;
}

import type { Queryable } from '../../storage/storage.js';

/** Deletes up to `limit` finished deliveries created before `cutoff`, with their attempt logs; answers how many. */
export async function purgeDeliveries(on: Queryable, cutoff: number, limit: number): Promise<number> {
  const old = await on.db.selectFrom('deliveries').select('id').where('created_at', '<', cutoff).where('status', '!=', 'pending').limit(limit).execute();
  const ids = old.map((d) => d.id);
  if (ids.length) {
    await on.db.deleteFrom('delivery_attempts').where('delivery_id', 'in', ids).execute();
    await on.db.deleteFrom('deliveries').where('id', 'in', ids).execute();
  }
  return ids.length;
}

import type { DeliveryTable } from '../../storage/schema.js';
import type { Storage } from '../../storage/storage.js';
import { leaseIsFree } from './lease.js';

/**
 * Claims those of `ids` that are still pending and free, with a lease until `leaseUntil`, and
 * answers the claimed rows. Rows another worker is claiming right now are skipped, not waited
 * for (FOR UPDATE SKIP LOCKED where several processes share the database).
 */
export async function claimDeliveries(storage: Storage, ids: readonly string[], owner: string, now: number, leaseUntil: number): Promise<DeliveryTable[]> {
  return storage.db
    .updateTable('deliveries')
    .set({ lease_until: leaseUntil, lease_owner: owner, updated_at: now })
    .where('id', 'in', (eb) =>
      storage.lockRows(
        eb
          .selectFrom('deliveries')
          .select('id')
          .where('id', 'in', [...ids])
          // Keeps SQLite's planner on the primary key instead of scanning the status index.
          .where(storage.withoutIndex<string>('status'), '=', 'pending')
          .where(leaseIsFree(now)),
        { skipLocked: true },
      ),
    )
    .returningAll()
    .execute();
}

import type { Queryable } from '../../storage/storage.js';

/** Fails claimed deliveries whose webhook or event is gone (deleted, purged): nothing can be sent any more. */
export async function failOrphans(on: Queryable, ids: readonly string[], now: number): Promise<void> {
  await on.db.updateTable('deliveries').set({ status: 'failed', lease_until: null, lease_owner: null, updated_at: now }).where('id', 'in', [...ids]).execute();
}

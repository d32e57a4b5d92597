import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** Fails claimed deliveries whose webhook or event is gone (deleted, purged): nothing can be sent any more. */
export async function failOrphans(db: Kysely<Database>, ids: readonly string[], now: number): Promise<void> {
  await db.updateTable('deliveries').set({ status: 'failed', lease_until: null, lease_owner: null, updated_at: now }).where('id', 'in', [...ids]).execute();
}

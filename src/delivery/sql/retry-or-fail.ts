import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/**
 * Records a failed attempt on a delivery this worker holds: pending again at `retryAt`, or failed
 * for good when `retryAt` is null. The delay itself is decided in ../schedule-retry.ts.
 */
export async function retryOrFail(db: Kysely<Database>, id: string, owner: string, now: number, retryAt: number | null): Promise<void> {
  await db
    .updateTable('deliveries')
    .set((eb) => ({
      status: retryAt === null ? 'failed' : 'pending',
      attempts_count: eb('attempts_count', '+', 1),
      next_attempt_at: retryAt,
      lease_until: null,
      lease_owner: null,
      updated_at: now,
    }))
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** Marks deliveries this worker holds as succeeded (one attempt more, claim cleared). */
export async function markSucceeded(db: Kysely<Database>, ids: readonly string[], owner: string, now: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('deliveries')
      .set((eb) => ({
        status: 'succeeded',
        attempts_count: eb('attempts_count', '+', 1),
        next_attempt_at: null,
        lease_until: null,
        lease_owner: null,
        updated_at: now,
      }))
      .where('id', 'in', ids.slice(i, i + 500))
      .where('lease_owner', '=', owner)
      .execute();
  }
}

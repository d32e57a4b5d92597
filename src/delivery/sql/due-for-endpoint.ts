import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { leaseIsFree } from './lease.js';

/** Up to `limit` claimable deliveries of one endpoint that are due now, oldest first. */
export async function dueForEndpoint(db: Kysely<Database>, endpoint: string, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .select('d.id')
    .where('d.webhook_id', '=', endpoint)
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where(leaseIsFree(now, 'd.lease_until'))
    .orderBy('d.next_attempt_at')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { leaseIsFree } from './lease.js';

/**
 * The active endpoints that have a claimable delivery due now, leaving out `excluding` (endpoints
 * whose queue is full). One index probe per endpoint, never a scan of the backlog.
 */
export async function endpointsWithDue(db: Kysely<Database>, now: number, excluding: readonly string[]): Promise<string[]> {
  let query = db
    .selectFrom('webhooks as w')
    .select('w.id')
    .where('w.active', '=', 1)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('deliveries as d')
          .select('d.id')
          .whereRef('d.webhook_id', '=', 'w.id')
          .where('d.status', '=', 'pending')
          .where('d.next_attempt_at', '<=', now)
          .where(leaseIsFree(now, 'd.lease_until')),
      ),
    );
  if (excluding.length) query = query.where('w.id', 'not in', [...excluding]);
  return (await query.execute()).map((r) => r.id);
}

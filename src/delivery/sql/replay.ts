import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** Queues one delivery again, due now, with no claim. */
export async function requeueDelivery(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('deliveries').set({ status: 'pending', next_attempt_at: now, lease_until: null, lease_owner: null, updated_at: now }).where('id', '=', id).execute();
}

/** Queues again a webhook's finished (non-test) deliveries created since `from` (the failed ones, the succeeded ones, or both); answers how many. */
export async function requeueSince(
  db: Kysely<Database>,
  workspaceId: string,
  webhookId: string,
  from: number,
  status: 'failed' | 'succeeded' | 'all',
  now: number,
): Promise<number> {
  let q = db
    .updateTable('deliveries')
    .set({ status: 'pending', next_attempt_at: now, lease_until: null, lease_owner: null, updated_at: now })
    .where('webhook_id', '=', webhookId)
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', from)
    // Test sends were one-off samples: replaying "what the endpoint missed" never re-sends them.
    .where('is_test', '=', 0);
  q = status === 'all' ? q.where('status', 'in', ['failed', 'succeeded']) : q.where('status', '=', status);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

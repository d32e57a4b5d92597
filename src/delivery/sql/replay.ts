import type { Queryable } from '../../storage/storage.js';

/** Queues one delivery again, due now, with no claim. */
export async function requeueDelivery(on: Queryable, id: string, now: number): Promise<void> {
  await on.db.updateTable('deliveries').set({ status: 'pending', next_attempt_at: now, lease_until: null, lease_owner: null, updated_at: now }).where('id', '=', id).execute();
}

/** Queues again a webhook's finished (non-test) deliveries created since `from` (the failed ones, the succeeded ones, or both); answers how many. */
export async function requeueSince(
  on: Queryable,
  workspaceId: string,
  webhookId: string,
  from: number,
  status: 'failed' | 'succeeded' | 'all',
  now: number,
): Promise<number> {
  let statement = on.db
    .updateTable('deliveries')
    .set({ status: 'pending', next_attempt_at: now, lease_until: null, lease_owner: null, updated_at: now })
    .where('webhook_id', '=', webhookId)
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', from)
    // Test sends were one-off samples: replaying "what the endpoint missed" never re-sends them.
    .where('is_test', '=', 0);
  statement = status === 'all' ? statement.where('status', 'in', ['failed', 'succeeded']) : statement.where('status', '=', status);
  const result = await statement.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

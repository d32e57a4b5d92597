import type { Queryable } from '../../storage/storage.js';

/** Fails the pending deliveries of deleted webhooks, so the worker skips them. */
export async function failPendingOfWebhooks(on: Queryable, webhookIds: readonly string[], now: number): Promise<void> {
  await on.db
    .updateTable('deliveries')
    .set({ status: 'failed', next_attempt_at: null, updated_at: now })
    .where('webhook_id', 'in', [...webhookIds])
    .where('status', '=', 'pending')
    .execute();
}

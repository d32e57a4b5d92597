import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** Fails the pending deliveries of deleted webhooks, so the worker skips them. */
export async function failPendingOfWebhooks(db: Kysely<Database>, webhookIds: readonly string[], now: number): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status: 'failed', next_attempt_at: null, updated_at: now })
    .where('webhook_id', 'in', [...webhookIds])
    .where('status', '=', 'pending')
    .execute();
}

import type { Queryable } from '../../storage/storage.js';
import type { DeliveryAttemptTable, DeliveryTable } from '../../storage/schema.js';

/** One delivery of a workspace, or undefined. */
export async function findDelivery(on: Queryable, workspaceId: string, id: string): Promise<DeliveryTable | undefined> {
  return on.db.selectFrom('deliveries').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** A page of a webhook's deliveries, newest first (one row more than `limit`, to tell whether another page exists). */
export async function listDeliveries(
  on: Queryable,
  workspaceId: string,
  webhookId: string,
  query: { status?: string | undefined; type?: string | undefined; limit: number; after: string | null },
): Promise<DeliveryTable[]> {
  let statement = on.db.selectFrom('deliveries').selectAll().where('webhook_id', '=', webhookId).where('workspace_id', '=', workspaceId);
  if (query.status) statement = statement.where('status', '=', query.status);
  if (query.type) statement = statement.where('event_type', '=', query.type);
  if (query.after) statement = statement.where('id', '<', query.after);
  return statement.orderBy('id', 'desc').limit(query.limit + 1).execute();
}

/** A delivery's attempts, first to last. */
export async function listAttempts(on: Queryable, deliveryId: string): Promise<DeliveryAttemptTable[]> {
  return on.db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').orderBy('started_at').execute();
}

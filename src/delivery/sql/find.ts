import type { Kysely } from 'kysely';
import type { Database, DeliveryTable } from '../../storage/schema.js';

/** One delivery of a workspace, or undefined. */
export async function findDelivery(db: Kysely<Database>, workspaceId: string, id: string): Promise<DeliveryTable | undefined> {
  return db.selectFrom('deliveries').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** A page of a webhook's deliveries, newest first (one row more than `limit`, to tell whether another page exists). */
export async function listDeliveries(
  db: Kysely<Database>,
  workspaceId: string,
  webhookId: string,
  query: { status?: string | undefined; type?: string | undefined; limit: number; after: string | null },
): Promise<DeliveryTable[]> {
  let q = db.selectFrom('deliveries').selectAll().where('webhook_id', '=', webhookId).where('workspace_id', '=', workspaceId);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.type) q = q.where('event_type', '=', query.type);
  if (query.after) q = q.where('id', '<', query.after);
  return q.orderBy('id', 'desc').limit(query.limit + 1).execute();
}

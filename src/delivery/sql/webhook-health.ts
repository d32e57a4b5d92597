import type { DeliveryAttemptTable } from '../../storage/schema.js';
import type { Queryable } from '../../storage/storage.js';

/** A workspace's (non-test) deliveries created since `since`, counted per webhook and status. */
export async function countDeliveriesSince(
  on: Queryable,
  workspaceId: string,
  since: number,
): Promise<{ webhook_id: string; status: string; n: number }[]> {
  const rows = await on.db
    .selectFrom('deliveries')
    .select((eb) => ['webhook_id', 'status', eb.fn.countAll<number | string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', since)
    .where('is_test', '=', 0)
    .groupBy(['webhook_id', 'status'])
    .execute();
  return rows.map((r) => ({ webhook_id: r.webhook_id, status: r.status, n: Number(r.n) }));
}

/** A webhook's latest attempt (test sends included), or undefined. */
export async function lastAttemptOf(
  on: Queryable,
  workspaceId: string,
  webhookId: string,
): Promise<Pick<DeliveryAttemptTable, 'delivery_id' | 'status_code' | 'error' | 'started_at'> | undefined> {
  return on.db
    .selectFrom('delivery_attempts as a')
    .innerJoin('deliveries as d', 'd.id', 'a.delivery_id')
    .select(['a.delivery_id', 'a.status_code', 'a.error', 'a.started_at'])
    .where('d.webhook_id', '=', webhookId)
    .where('a.workspace_id', '=', workspaceId)
    .orderBy('a.started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

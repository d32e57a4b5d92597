import type { Queryable } from '../../storage/storage.js';

export interface DeliveryBacklog {
  /** Deliveries waiting to be sent or retried. */
  pending: number;
  /** Of those, the ones due at `now`. */
  due: number;
  /** When the oldest pending delivery was created (null when there is none). */
  oldestCreatedAt: number | null;
}

/** The pending deliveries in one aggregate (the metrics' backlog gauges). */
export async function deliveryBacklog(on: Queryable, now: number): Promise<DeliveryBacklog> {
  const row = await on.db
    .selectFrom('deliveries')
    .select((eb) => [
      eb.fn.countAll<number>().as('pending'),
      eb.fn.sum<number | null>(eb.case().when('next_attempt_at', '<=', now).then(1).else(0).end()).as('due'),
      eb.fn.min<number | null>('created_at').as('oldest'),
    ])
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), due: Number(row.due ?? 0), oldestCreatedAt: row.oldest === null ? null : Number(row.oldest) };
}

import type { Kysely, Migration } from 'kysely';

/**
 * Claims are made per endpoint (oldest due first), so the worker never scans the backlog of an
 * endpoint that is full; and each attempt records which worker sent it.
 */
export const deliveryClaims: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('delivery_attempts').addColumn('worker_id', 'text').execute();
    await db.schema.createIndex('deliveries_endpoint_due').on('deliveries').columns(['webhook_id', 'status', 'next_attempt_at']).execute();
  },
};

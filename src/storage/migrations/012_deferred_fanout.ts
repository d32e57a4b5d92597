import type { Kysely, Migration } from 'kysely';

/**
 * Fan-out's second queue: an event's deliveries to endpoints that are failing or hanging, written
 * later and in bulk (src/delivery/fanout.ts). One row per event, whatever the number of such
 * endpoints, so the event leaves `event_fanout` at the cost of one small append.
 */
export const deferredFanout: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('event_fanout_deferred')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      // JSON array of webhook ids.
      .addColumn('webhook_ids', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * The claim reads an endpoint's oldest due deliveries, `order by next_attempt_at, id limit n`.
 * The old index (webhook_id, status, next_attempt_at) had no `id`, so PostgreSQL read and sorted
 * the endpoint's whole due backlog on every claim, and with `for update skip locked` the sort sat
 * below the row locks, so it could not stop at n either: at a 100 k backlog one claim read
 * 100 000 rows and spilled its sort to disk (122 ms against 14 ms now). An index in exactly the
 * claim's order lets it stop after n rows.
 *
 * Both delivery-queue indexes now hold pending rows only: a delivery leaves them when it
 * succeeds or fails for good, so finished deliveries (most of the table) cost them nothing, and
 * the result write touches two indexes fewer.
 *
 * On PostgreSQL the table keeps 30 % of each page free: the claim only sets the lease columns,
 * which no index holds, so with room on the page it is a HOT update that writes no index at all.
 */
export const pendingDeliveryIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('deliveries_pending_endpoint')
      .on('deliveries')
      .columns(['webhook_id', 'next_attempt_at', 'id'])
      .where(sql.ref('status'), '=', 'pending')
      .execute();
    // nextDueAt, the backlog gauges: the earliest pending delivery of any endpoint.
    await db.schema.createIndex('deliveries_pending_due').on('deliveries').column('next_attempt_at').where(sql.ref('status'), '=', 'pending').execute();
    await db.schema.dropIndex('deliveries_endpoint_due').execute();
    await db.schema.dropIndex('deliveries_due').execute();
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`alter table deliveries set (fillfactor = 70)`.execute(db);
    }
  },
};

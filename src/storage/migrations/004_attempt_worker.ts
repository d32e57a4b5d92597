import type { Kysely, Migration } from 'kysely';

/** Records which worker sent each attempt: operators can tell processes apart in the delivery log. */
export const attemptWorker: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('delivery_attempts').addColumn('worker_id', 'text').execute();
  },
};

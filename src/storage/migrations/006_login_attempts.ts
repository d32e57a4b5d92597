import type { Kysely, Migration } from 'kysely';

/**
 * Login throttling counts attempts in one row per bucket, reserved atomically (an upsert that
 * returns the new count) before the password is checked; the old one-row-per-failure log was
 * counted before the check and written after it, so parallel guesses all got through.
 */
export const loginAttempts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('login_attempts')
      .addColumn('bucket', 'text', (c) => c.primaryKey())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_attempts_window').on('login_attempts').column('window_started_at').execute();
    await db.schema.dropTable('login_failures').execute();
  },
};

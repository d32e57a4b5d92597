import type { Kysely, Migration } from 'kysely';

/**
 * Two-factor sign-in (SPEC §2, docs/security.md):
 * - `two_factor`: one row per user who started setting it up. `secret` is the TOTP secret sealed
 *   with the instance's secret key (src/secrets/secret-box.ts), never the secret itself;
 *   `enabled_at` is null until one valid code confirmed the setup; `last_step` is the newest
 *   30-second step a code was accepted for, so a code cannot be used twice.
 * - `recovery_codes`: SHA-256 of each single-use recovery code (bound to its user); a use deletes it.
 */
export const twoFactor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('two_factor')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('enabled_at', 'bigint')
      .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('recovery_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();
  },
};

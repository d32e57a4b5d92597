import type { Kysely, Migration } from 'kysely';

/**
 * Settings the instance remembers between starts, by key. `default_domain`: the short domain the
 * default-domain links were last moved to, so a changed LINKWIRE_BASE_URL moves them along
 * (src/links/default-domain.ts) instead of orphaning them.
 */
export const instanceSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('instance_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

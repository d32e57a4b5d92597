import { sql, type Kysely, type Migration } from 'kysely';
import { rollUpStoredClicks } from '../click-rollups.js';

/**
 * Analytics (docs/analytics.md):
 * - `links.bot_clicks`: the bots let through are counted apart from people. Clicks stored before
 *   this counted bots in `clicks`; each stored click row says whether it was a bot, so those are
 *   moved over (clicks already removed by retention cannot be told apart and stay where they are).
 * - the hourly and daily rollups the workspace analytics read (src/storage/click-rollups.ts),
 *   rebuilt here from the stored clicks.
 * - clicks by (workspace, time): the exact edges of a range and the CSV export read them.
 */
export const analytics: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('links').addColumn('bot_clicks', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await sql`UPDATE links SET bot_clicks = (SELECT count(*) FROM clicks WHERE clicks.link_id = links.id AND clicks.bot = 1)`.execute(db);
    await sql`UPDATE links SET clicks = CASE WHEN clicks > bot_clicks THEN clicks - bot_clicks ELSE 0 END WHERE bot_clicks > 0`.execute(db);

    await db.schema
      .createTable('analytics_hours')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('hour', 'bigint', (c) => c.notNull())
      .addColumn('bot', 'integer', (c) => c.notNull())
      .addColumn('clicks', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('analytics_hours_pk', ['workspace_id', 'scope', 'hour', 'bot'])
      .execute();
    await db.schema
      .createTable('analytics_days')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('day', 'bigint', (c) => c.notNull())
      .addColumn('dim', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('bot', 'integer', (c) => c.notNull())
      .addColumn('clicks', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('analytics_days_pk', ['workspace_id', 'scope', 'span', 'day', 'dim', 'value', 'bot'])
      .execute();
    await db.schema.createIndex('clicks_workspace_time').on('clicks').columns(['workspace_id', 'timestamp']).execute();
    await rollUpStoredClicks(db);
  },
};

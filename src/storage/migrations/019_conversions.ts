import type { Kysely, Migration } from 'kysely';

/**
 * Conversions, orphan visits and traffic alerts (issue 23 items 6–8, docs/conversions.md,
 * docs/analytics.md):
 * - `links.track_conversions` (0/1) and `links.alerts` (JSON `[{clicks, window_s}]`).
 * - `leads` and `sales`: what `POST /api/track/lead|sale` recorded, each attributed to a click and
 *   its link. A sale's `invoice_id` is unique per workspace (NULLs are distinct on both
 *   dialects): the same invoice twice counts once.
 * - `orphan_visits`: visits to unknown slugs (or the root) of a workspace's verified domain, with
 *   the click enrichment a visit has without a link; `orphan_notices`: when `link.not_found` last
 *   fired per (workspace, slug), the rate limit's state.
 * - `alert_seconds`: people-clicks per (link, UTC second), kept only for links with alerts and only
 *   as far back as their longest window; `alert_fires`: when each of a link's alerts last fired.
 */
export const conversions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('links').addColumn('track_conversions', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('links').addColumn('alerts', 'text', (c) => c.notNull().defaultTo('[]')).execute();

    await db.schema
      .createTable('leads')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('click_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('event_name', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('leads_customer').on('leads').columns(['workspace_id', 'customer_id', 'created_at']).execute();
    await db.schema.createIndex('leads_workspace_time').on('leads').columns(['workspace_id', 'created_at']).execute();

    await db.schema
      .createTable('sales')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('click_id', 'text', (c) => c.notNull())
      .addColumn('lead_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('invoice_id', 'text')
      .addColumn('event_name', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sales_invoice').on('sales').columns(['workspace_id', 'invoice_id']).unique().execute();
    await db.schema.createIndex('sales_workspace_time').on('sales').columns(['workspace_id', 'created_at']).execute();

    await db.schema
      .createTable('orphan_visits')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('country', 'text')
      .addColumn('city', 'text')
      .addColumn('is_eu_country', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('device', 'text')
      .addColumn('os', 'text')
      .addColumn('browser', 'text')
      .addColumn('referrer', 'text')
      .addColumn('referrer_domain', 'text')
      .addColumn('bot', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('bot_name', 'text')
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('ip', 'text')
      .execute();
    await db.schema.createIndex('orphan_visits_workspace_time').on('orphan_visits').columns(['workspace_id', 'timestamp']).execute();
    await db.schema
      .createTable('orphan_notices')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('notified_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('orphan_notices_pk', ['workspace_id', 'slug'])
      .execute();

    await db.schema
      .createTable('alert_seconds')
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('second', 'bigint', (c) => c.notNull())
      .addColumn('clicks', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('alert_seconds_pk', ['link_id', 'second'])
      .execute();
    await db.schema
      .createTable('alert_fires')
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('clicks', 'bigint', (c) => c.notNull())
      .addColumn('window_s', 'integer', (c) => c.notNull())
      .addColumn('fired_second', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('alert_fires_pk', ['link_id', 'clicks', 'window_s'])
      .execute();
  },
};

import { sql, type Kysely, type Migration } from 'kysely';

// Health-check state of monitored links (links.monitor = 1): one row per link, created by the
// monitor job when it first sees the link and removed when the link goes or stops being monitored.
export const linkMonitoring: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('link_monitors')
      .addColumn('link_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // 'pending' (never checked), 'healthy' or 'broken'; link.broken / link.recovered fire on the flips.
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_checked_at', 'bigint')
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('status_changed_at', 'bigint')
      // Due time, and also the claim: a worker moves it forward by a lease with a conditional update.
      .addColumn('next_check_at', 'bigint', (c) => c.notNull())
      // Which claim may write the result; a check whose lease ran out and was re-claimed writes nothing.
      .addColumn('claim_token', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('link_monitors_due').on('link_monitors').column('next_check_at').execute();
    await db.schema.createIndex('link_monitors_workspace').on('link_monitors').columns(['workspace_id', 'link_id']).execute();
    await db.schema.createIndex('links_monitored').on('links').column('id').where(sql.ref('monitor'), '=', 1).execute();
  },
};

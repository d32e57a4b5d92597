import { type Kysely, type Migration } from 'kysely';

// Pending member invites, integrations, and the failed-login log that rate limiting counts.
export const membersIntegrations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('invites')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('invited_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('invites_workspace_email', ['workspace_id', 'email'])
      .execute();
    await db.schema.createIndex('invites_email').on('invites').column('email').execute();

    await db.schema
      .createTable('integrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('integrations_workspace').on('integrations').columns(['workspace_id', 'id']).execute();

    // One row per failed login, counted per bucket ("ip:<addr>" or "account:<sha256 of email>") over a window.
    await db.schema
      .createTable('login_failures')
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('failed_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_failures_bucket').on('login_failures').columns(['bucket', 'failed_at']).execute();
    await db.schema.createIndex('login_failures_time').on('login_failures').column('failed_at').execute();

    await db.schema.createIndex('domains_workspace').on('domains').columns(['workspace_id', 'id']).execute();
    await db.schema.createIndex('api_keys_creator').on('api_keys').columns(['workspace_id', 'created_by']).execute();
    await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'workspace_id']).execute();
  },
};

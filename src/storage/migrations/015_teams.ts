import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Teams (issue 22): the mail outbox, single-use tokens for invitations and password resets, request
 * throttles for the unauthenticated account routes, and the four roles (`member` becomes `viewer`).
 */
export const teams: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per mail to one recipient, written in the transaction of what caused it and sent by the
    // worker role. `payload` holds what the mail is about (ids, counts, the last error), never a
    // secret: links with tokens are minted when the mail is sent (src/mail/mail-sender.ts).
    await db.schema
      .createTable('mail_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      // pending → sent | logged (no SMTP configured) | failed (gave up)
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('leased_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .execute();
    await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('mail_outbox_workspace').on('mail_outbox').columns(['workspace_id', 'kind']).execute();

    // Invitation and reset tokens: only their SHA-256 is stored. `subject` is the invite id (kind
    // `invite`) or the user id (kind `reset`); using one ends every token of that subject.
    await db.schema
      .createTable('auth_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('mail_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('auth_tokens_subject').on('auth_tokens').columns(['kind', 'subject']).execute();

    // Fixed-window counters for signup, forgot-password, reset and invite acceptance (per address, per account).
    await db.schema
      .createTable('request_throttles')
      .addColumn('bucket', 'text', (c) => c.primaryKey())
      .addColumn('hits', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('request_throttles_window').on('request_throttles').column('window_started_at').execute();

    // The read-only role is called `viewer` now (`member` stays accepted as its alias on input).
    await sql`update memberships set role = 'viewer' where role = 'member'`.execute(db);
    await sql`update invites set role = 'viewer' where role = 'member'`.execute(db);
  },
};

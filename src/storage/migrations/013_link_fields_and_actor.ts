import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Fields receivers of other shorteners read (SPEC §4, §5b):
 * - `events.actor`: who caused the event, as JSON text (`{type, id, email?}`); null for events
 *   no person or key caused (visits, timers, health checks), which the envelope shows as
 *   `{type: "system", id: null}`.
 * - `links.created_by`: the user who made the link (an API key's owner), or null.
 * - `links.enabled`, `links.cloaking`, `links.public_analytics`: 0/1 like the other flags.
 *
 * The expiry timer (links/expiry-timer.ts) asks "which links have expired and not yet said so?"
 * every few seconds: a partial index holds exactly those links whose expiry is set and not yet
 * announced, so the question costs nothing however many links exist.
 */
export const linkFieldsAndActor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('events').addColumn('actor', 'text').execute();
    await db.schema.alterTable('links').addColumn('created_by', 'text').execute();
    await db.schema.alterTable('links').addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('links').addColumn('cloaking', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('links').addColumn('public_analytics', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createIndex('links_expiry_pending')
      .on('links')
      .column('expires_at')
      .where((eb) => eb.and([eb(sql.ref('expired_notified'), '=', 0), eb(sql.ref('expires_at'), 'is not', null)]))
      .execute();
  },
};

import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Payload versions and link versions (SPEC §5c, docs/events.md "Payload versions"):
 * - `webhooks.payload_version`: the version a webhook is pinned to. Webhooks made before versions
 *   existed keep receiving today's shape, `2026-12-01`; new ones get the newest (webhooks/).
 * - `link_versions`: each version of a link's API object stored once, keyed by (link, content
 *   hash), as the text before and after its click count (`head`, `tail`). `used_at` is the last
 *   time an event referenced it; retention (delivery/retention.ts) deletes a version only when it
 *   has been unused that long and no event left references it.
 * - `events.link_version`, `events.link_clicks`: a click event stores its `data` without the link
 *   (`{"click": …}`) and names the link version and the count instead; the link's 1–2 KB (16 KB at
 *   worst) per click become ~30 bytes. Older events keep their whole `data` (both columns null).
 * - `events_full`: the events with `data` as it was written, put back together from the version, so
 *   every reader sees one shape: `{"link":<head><clicks><tail>,` + the stored data after its `{`.
 */
export const linkVersions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('webhooks').addColumn('payload_version', 'text', (c) => c.notNull().defaultTo('2026-12-01')).execute();
    await db.schema
      .createTable('link_versions')
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('head', 'text', (c) => c.notNull())
      .addColumn('tail', 'text', (c) => c.notNull())
      .addColumn('used_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('link_versions_pk', ['link_id', 'hash'])
      .execute();
    await db.schema.createIndex('link_versions_used').on('link_versions').column('used_at').execute();
    await db.schema.alterTable('events').addColumn('link_version', 'text').execute();
    await db.schema.alterTable('events').addColumn('link_clicks', 'bigint').execute();
    await sql`
      create view events_full as
      select e.id, e.workspace_id, e.type, e.link_id, e.timestamp, e.actor,
        case when e.link_version is null then e.data
        else '{"link":' || lv.head || cast(e.link_clicks as text) || lv.tail || ',' || substr(e.data, 2) end as data
      from events e left join link_versions lv on e.link_version is not null and lv.link_id = e.link_id and lv.hash = e.link_version`.execute(db);
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * How far each click journal has been ingested. Written in the same transaction as the rows the
 * records produced, so a crash mid-ingest neither loses nor repeats a record.
 */
export const journalOffsets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('journal_offsets')
      .addColumn('journal_id', 'text', (c) => c.primaryKey())
      .addColumn('segment', 'bigint', (c) => c.notNull())
      .addColumn('byte_offset', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

import type { Outbox } from '../../events/outbox.js';
import type { Storage } from '../../storage/storage.js';
import { VisitBatchWriter } from '../visit-batch-writer.js';
import type { Batch, JournalReader, Unreadable } from './journal-reader.js';

/** Visits decoded and written per step of a batch's transaction: small enough to die young. */
const CHUNK_RECORDS = 500;

/**
 * Writes one batch read from the journal: its click rows, counters, rollups and events, and the
 * journal position after it, in ONE transaction. After a crash the ingester resumes exactly where
 * the last commit left off, so no record is lost or applied twice.
 */
export class JournalCommitter {
  constructor(
    /** The journal's id, asked for at each commit: a remote journal describes itself only once started. */
    private readonly journal: { readonly id: string },
    private readonly reader: JournalReader,
    private readonly deps: { storage: Storage; outbox: Outbox },
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  async commit(batch: Batch): Promise<void> {
    await this.deps.storage.transaction(async (tx) => {
      const unreadable: Unreadable = batch.decoded?.unreadable ?? { count: 0, first: null };
      // Counters and rollups once per batch, whatever the chunks (visit-batch-writer.ts).
      const writer = new VisitBatchWriter(tx, this.deps.outbox);
      if (batch.decoded) {
        if (batch.decoded.visits.length > 0) await writer.add(batch.decoded.visits);
      } else {
        for (let i = 0; i < batch.spans.length; i += 2 * CHUNK_RECORDS) {
          const visits = this.reader.decodeVisits(batch, i, Math.min(batch.spans.length, i + 2 * CHUNK_RECORDS), unreadable);
          if (visits.length > 0) await writer.add(visits);
        }
      }
      await writer.finish();
      // One line per batch: a lost snapshot makes every visit naming it unreadable.
      if (unreadable.count > 0) this.log.warn({ segment: batch.segment, ...unreadable.first, records: unreadable.count }, 'click journal: unreadable records skipped');
      await tx.db
        .insertInto('journal_offsets')
        .values({ journal_id: this.journal.id, segment: batch.end.segment, byte_offset: batch.end.offset, updated_at: Date.now() })
        .onConflict((oc) => oc.column('journal_id').doUpdateSet({ segment: batch.end.segment, byte_offset: batch.end.offset, updated_at: Date.now() }))
        .execute();
    });
  }
}

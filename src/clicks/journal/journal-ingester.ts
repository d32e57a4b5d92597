import type { Outbox } from '../../events/outbox.js';
import type { Storage } from '../../storage/storage.js';
import type { JournalPosition, JournalSource } from './journal-source.js';
import { JournalCommitter } from './journal-committer.js';
import { JournalReader, type Read } from './journal-reader.js';

export interface IngesterOptions {
  /** Visit records per transaction (default 5 000). */
  batchRecords?: number;
  /** Bytes read from a segment at a time (default 4 MiB; more than the largest record). */
  readBytes?: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What the ingester has done, for lag figures computed where the journal is written. */
export interface IngestProgress {
  ingestedRecords: number;
  /** Records already in the journal when the ingester started. */
  backlogAtStart: number;
  /**
   * The writer's append count when that backlog was counted: a restarted ingester (a new worker
   * thread beside the same writer) must not count the records before its start twice.
   */
  appendedAtStart: number;
  /** Append time of the newest ingested record. */
  lastIngestedAt: number | null;
  startedAt: number;
}

export function journalLag(journal: Pick<JournalSource, 'id' | 'appendedRecords' | 'maxBytes' | 'backlogBytes' | 'warning' | 'writeError'>, progress: IngestProgress, now: number): JournalLag {
  const records = Math.max(0, progress.backlogAtStart + (journal.appendedRecords - progress.appendedAtStart) - progress.ingestedRecords);
  return {
    journal_id: journal.id,
    records_behind: records,
    // How old the newest ingested record is (or how long since start, before the first batch): a
    // lower bound on how long the oldest waiting click has waited.
    seconds_behind: records === 0 ? 0 : Math.max(0, (now - (progress.lastIngestedAt ?? progress.startedAt)) / 1000),
    bytes_behind: journal.backlogBytes(),
    max_bytes: journal.maxBytes,
    warning: journal.warning(),
    write_error: journal.writeError(),
  };
}

export interface JournalLag {
  journal_id: string;
  records_behind: number;
  seconds_behind: number;
  bytes_behind: number;
  max_bytes: number;
  warning: string | null;
  /** Why the journal cannot be written now (redirects count through the database meanwhile). */
  write_error: string | null;
}

/** Retries while the database is away are cheap (a refused connection): come back soon after it does. */
const MAX_BACKOFF_MS = 2_000;
/*
 * Large batches: the cost per transaction (the offset row, a COMMIT, on PostgreSQL the round
 * trips and the link rows' locks) is shared by thousands of clicks. Bounded so that one batch
 * holds SQLite's write lock for a fraction of a second at most.
 */
const BATCH_RECORDS = 5_000;
const READ_BYTES = 4 * 1024 * 1024;

/**
 * Moves journal records into the database in large batches. Each batch's rows, counters, events
 * and the journal position after it commit in ONE transaction: after a crash the ingester resumes
 * exactly where the last commit left off, so no record is lost or applied twice. A torn or corrupt
 * record is logged and skipped; it never stops ingestion. While the database is unreachable the
 * batch is retried with backoff and records wait in the journal.
 */
export class JournalIngester {
  private position: JournalPosition = { segment: 0, offset: 0 };
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private started = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = 0;
  private ingestedRecords = 0;
  /** Records already in the journal when we started (counted once, at start). */
  private backlogAtStart = 0;
  private appendedAtStart = 0;
  private lastIngestedAt: number | null = null;
  private startedAt = Date.now();
  private lastErrorLogged = 0;
  private readonly waiters: { target: JournalPosition; resolve: () => void }[] = [];
  private readonly reader: JournalReader;
  private readonly committer: JournalCommitter;

  constructor(
    private readonly journal: JournalSource,
    private readonly deps: { storage: Storage; outbox: Outbox },
    private readonly options: IngesterOptions,
  ) {
    this.reader = new JournalReader(journal, {
      batchRecords: options.batchRecords ?? BATCH_RECORDS,
      readBytes: options.readBytes ?? READ_BYTES,
      /*
       * PostgreSQL: a batch is decoded when it is read, while the previous batch's transaction
       * waits on the server, and written with one set of statements (each is a round trip). SQLite
       * runs in this thread, so there is nothing to overlap: its batches are decoded and written in
       * chunks inside the transaction, and only a chunk's objects are alive at a time.
       */
      decodeAhead: deps.storage.sql.serverRoundTrips,
      log: options.log,
    });
    this.committer = new JournalCommitter(journal, this.reader, deps, options.log);
    journal.onAppend(() => this.poke());
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.startedAt = Date.now();
    await this.journal.ready?.();
    const row = await this.deps.storage.db.selectFrom('journal_offsets').select(['segment', 'byte_offset']).where('journal_id', '=', this.journal.id).executeTakeFirst();
    const first = this.journal.readable()[0];
    this.position = row ? { segment: row.segment, offset: row.byte_offset } : { segment: first?.segment ?? 0, offset: 0 };
    this.ingestedRecords = 0;
    // Taken in the same synchronous moment as the segment ends countBacklog reads: later appends are the writer's count minus this.
    this.appendedAtStart = this.journal.appendedRecords;
    this.backlogAtStart = await this.reader.countBacklog(this.position);
    this.journal.markIngested(this.position, this.progress());
    this.started = true;
    this.poke();
  }

  /** Stops after the batch in hand; what is left stays in the journal for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.running;
  }

  /** Ingests until everything appended so far is in the database, or `timeoutMs` passes. */
  async drain(timeoutMs: number): Promise<boolean> {
    const settled = this.settled();
    let timer: NodeJS.Timeout | null = null;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([settled.then(() => true), timeout]);
    if (timer) clearTimeout(timer);
    return result;
  }

  /** Resolves when every record appended before this call is in the database. */
  settled(): Promise<void> {
    const target = this.journal.writtenEnd();
    if (this.started && !before(this.position, target)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.poke();
    });
  }

  lag(now: number): JournalLag {
    return journalLag(this.journal, this.progress(), now);
  }

  /**
   * How long the oldest waiting click has waited (s), for the worker's CPU policy; 0 before the
   * ingester has started, when a remote journal may not have described itself yet.
   */
  secondsBehind(now: number): number {
    return this.started ? this.lag(now).seconds_behind : 0;
  }

  progress(): IngestProgress {
    return { ingestedRecords: this.ingestedRecords, backlogAtStart: this.backlogAtStart, appendedAtStart: this.appendedAtStart, lastIngestedAt: this.lastIngestedAt, startedAt: this.startedAt };
  }

  poke(): void {
    if (this.stopped || !this.started || this.retryTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  private async run(): Promise<void> {
    let ahead: Promise<Read> | null = null;
    while (!this.stopped) {
      let read: Read;
      try {
        read = await (ahead ?? this.reader.readBatch(this.position));
      } catch (err) {
        this.failed(err);
        return;
      }
      ahead = null;
      const batch = read.batch;
      if (!batch) {
        // Past fully read sealed segments (nothing to commit), caught up with the writer.
        this.position = read.from;
        break;
      }
      // Read and decode the next batch while this one's transaction runs: PostgreSQL does its part
      // in its own process meanwhile. Dropped if this transaction fails (read again from its start).
      const next = this.reader.readBatch(batch.end);
      next.catch(() => undefined); // a read error surfaces where it is awaited
      try {
        await this.committer.commit(batch);
      } catch (err) {
        await next.catch(() => undefined);
        this.failed(err);
        return;
      }
      ahead = next;
      this.backoffMs = 0;
      this.position = batch.end;
      this.ingestedRecords += batch.records;
      // "Seconds behind" is measured against the newest record ingested: how old is what we are doing now.
      if (batch.lastAt !== null) this.lastIngestedAt = batch.lastAt;
      this.journal.markIngested(this.position, this.progress());
      this.wakeWaiters();
    }
    // Stopped with a batch read ahead: it is read again from the committed position next time.
    if (ahead) await ahead.catch(() => undefined);
    this.wakeWaiters();
  }

  private failed(err: unknown): void {
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs === 0 ? 250 : this.backoffMs * 2);
    const now = Date.now();
    if (now - this.lastErrorLogged > 10_000) {
      this.lastErrorLogged = now;
      this.options.log.error({ err, lag: this.lag(now) }, 'click journal ingest failed; clicks wait in the journal and are retried');
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.poke();
    }, this.backoffMs);
    this.retryTimer.unref();
  }

  private wakeWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (!before(this.position, this.waiters[i]!.target)) {
        this.waiters[i]!.resolve();
        this.waiters.splice(i, 1);
      }
    }
  }
}

function before(a: JournalPosition, b: JournalPosition): boolean {
  return a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);
}

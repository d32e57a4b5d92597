import { open, type FileHandle } from 'node:fs/promises';
import type { Outbox } from '../../events/outbox.js';
import type { Storage } from '../../storage/storage.js';
import { writeVisits } from '../click-recorder.js';
import type { Visit } from '../visit.js';
import type { JournalPosition, JournalSource } from './click-journal.js';
import { decodeFrame, HEADER_BYTES } from './frame.js';
import type { Link } from '../../links/link-schema.js';
import { decodeSnapshot, decodeVisitAt, isSnapshot, visitTime } from './visit-codec.js';

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

interface Read {
  batch: Batch | null;
  from: JournalPosition;
}

/**
 * Records read and checked (frame, checksum) but not yet decoded: the visits are decoded a chunk
 * at a time inside the transaction, so only a chunk's strings and objects are alive at once
 * (a whole batch of them outlived V8's young generation and cost a quarter of the CPU in GC).
 */
interface Batch {
  /** The bytes read; owned by this batch until the next-but-one read (see `readBuffers`). */
  buf: Buffer;
  /** Start and end in `buf` of each visit record's payload, in journal order. */
  spans: number[];
  /** The segment's snapshots the visits name (visit-codec.ts). */
  links: Map<number, Link>;
  segment: number;
  offset: number;
  records: number;
  /** Append time of the newest record in the batch. */
  lastAt: number | null;
  end: JournalPosition;
  /** PostgreSQL: every visit, decoded when read (see `decodeAhead`). */
  decoded: { visits: Visit[]; unreadable: Unreadable } | null;
}

/** Visits decoded and written per step of a batch's transaction: small enough to die young. */
const CHUNK_RECORDS = 500;

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
  /**
   * The link snapshots of the segment being read, by key (visit-codec.ts): every snapshot before
   * the read position, and those read since (a batch that failed reads them again, to the same
   * links).
   */
  private snapshots: { segment: number; links: Map<number, Link> } = { segment: -1, links: new Map() };
  private readonly batchRecords: number;
  /**
   * PostgreSQL: a batch is decoded when it is read, while the previous batch's transaction waits
   * on the server, and written with one set of statements (each is a round trip). SQLite runs in
   * this thread, so there is nothing to overlap: its batches are decoded and written in chunks
   * inside the transaction, and only a chunk's objects are alive at a time.
   */
  private readonly decodeAhead: boolean;
  private readonly readBytes: number;
  /**
   * Two read buffers, used in turn: a batch's bytes are decoded during its transaction while the
   * next batch is read ahead into the other one. At most two batches exist at a time (the one in
   * its transaction and the one read ahead), and every read takes the buffer the previous read
   * did not, so a read never overwrites bytes still to be decoded.
   */
  private readonly readBuffers: (Buffer | null)[] = [null, null];
  private nextReadBuffer = 0;

  constructor(
    private readonly journal: JournalSource,
    private readonly deps: { storage: Storage; outbox: Outbox },
    private readonly options: IngesterOptions,
  ) {
    this.batchRecords = options.batchRecords ?? BATCH_RECORDS;
    this.readBytes = options.readBytes ?? READ_BYTES;
    this.decodeAhead = deps.storage.dialect === 'postgres';
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
    this.backlogAtStart = await this.countBacklog();
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
        read = await (ahead ?? this.readBatch(this.position));
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
      const next = this.readBatch(batch.end);
      next.catch(() => undefined); // a read error surfaces where it is awaited
      try {
        await this.deps.storage.transaction(async (tx) => {
          const unreadable: Unreadable = batch.decoded?.unreadable ?? { count: 0, first: null };
          if (batch.decoded) {
            if (batch.decoded.visits.length > 0) await writeVisits(tx, this.deps.outbox, batch.decoded.visits);
          } else {
            for (let i = 0; i < batch.spans.length; i += 2 * CHUNK_RECORDS) {
              const visits = this.decodeVisits(batch, i, Math.min(batch.spans.length, i + 2 * CHUNK_RECORDS), unreadable);
              if (visits.length > 0) await writeVisits(tx, this.deps.outbox, visits);
            }
          }
          // One line per batch: a lost snapshot makes every visit naming it unreadable.
          if (unreadable.count > 0) this.options.log.warn({ segment: batch.segment, ...unreadable.first, records: unreadable.count }, 'click journal: unreadable records skipped');
          await tx.db
            .insertInto('journal_offsets')
            .values({ journal_id: this.journal.id, segment: batch.end.segment, byte_offset: batch.end.offset, updated_at: Date.now() })
            .onConflict((oc) => oc.column('journal_id').doUpdateSet({ segment: batch.end.segment, byte_offset: batch.end.offset, updated_at: Date.now() }))
            .execute();
        });
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

  /**
   * The next records from `from`: at most `batchRecords`, within one segment. Moves past the end
   * of sealed segments (a torn tail included) to the next one; `from` is where it started reading.
   */
  private async readBatch(from: JournalPosition): Promise<Read> {
    let position = from;
    for (;;) {
      const segments = this.journal.readable();
      const current = segments.find((s) => s.segment === position.segment);
      const next = segments.find((s) => s.segment > position.segment);
      if (!current || position.offset >= current.end) {
        if (current && !current.sealed) return { batch: null, from: position }; // caught up with the writer
        if (!next) return { batch: null, from: position };
        if (current && position.offset > current.end) {
          this.options.log.warn({ segment: position.segment }, 'click journal position beyond the end of its segment; continuing with the next');
        }
        position = { segment: next.segment, offset: 0 };
        continue;
      }
      return { batch: await this.readFrom(current.segment, position.offset, current.end, current.sealed), from: position };
    }
  }

  private async readFrom(segment: number, offset: number, end: number, sealed: boolean): Promise<Batch> {
    const length = Math.min(end - offset, this.readBytes);
    const slot = this.nextReadBuffer;
    this.nextReadBuffer = 1 - slot;
    let buf = this.readBuffers[slot] ?? null;
    if (buf === null || buf.length < length) {
      buf = Buffer.allocUnsafe(Math.max(length, Math.min(this.readBytes, 1 << 20)));
      this.readBuffers[slot] = buf;
    }
    const file: FileHandle = await open(this.journal.segmentPath(segment), 'r');
    try {
      const links = await this.snapshotsOf(file, segment, offset);
      const { bytesRead } = await file.read(buf, 0, length, offset);
      return this.decode(segment, offset, buf.subarray(0, bytesRead), sealed && offset + bytesRead >= end, end, links);
    } finally {
      await file.close();
    }
  }

  /**
   * The snapshots visits from `offset` on may name. Entering a segment at its start there are
   * none yet; resuming in its middle (a restart after a crash, or after a batch committed by an
   * earlier run) they are read from the segment's start up to `offset`, skipping damaged records
   * as the ingest does.
   */
  private async snapshotsOf(file: FileHandle, segment: number, offset: number): Promise<Map<number, Link>> {
    if (this.snapshots.segment === segment) return this.snapshots.links;
    const links = new Map<number, Link>();
    let from = 0;
    while (from < offset) {
      const length = Math.min(offset - from, this.readBytes);
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(buf, 0, length, from);
      const chunk = buf.subarray(0, bytesRead);
      let at = 0;
      for (;;) {
        const frame = decodeFrame(chunk, at);
        if (frame.kind === 'record') {
          if (isSnapshot(frame.payload)) {
            try {
              const snapshot = decodeSnapshot(frame.payload);
              links.set(snapshot.key, snapshot.link);
            } catch {
              // Logged when the ingest first passed it; its visits are skipped as unreadable.
            }
          }
          at = frame.next;
        } else if (frame.kind === 'corrupt' && frame.next !== null && frame.next <= chunk.length) {
          at = frame.next;
        } else break;
      }
      // Nothing decodable (a bad length): the ingest skipped the rest of this segment too.
      if (at === 0) break;
      from += at;
    }
    this.snapshots = { segment, links };
    return links;
  }

  private decode(segment: number, offset: number, buf: Buffer, atSegmentEnd: boolean, segmentEnd: number, links: Map<number, Link>): Batch {
    const spans: number[] = [];
    let at = 0;
    let records = 0;
    let lastAt: number | null = null;
    while (at < buf.length && records < this.batchRecords) {
      const frame = decodeFrame(buf, at);
      if (frame.kind === 'incomplete') {
        if (at === 0 && !atSegmentEnd) {
          // A record larger than one read: read it whole next time.
          throw new Error(`click journal record at ${segment}:${offset} exceeds the read size`);
        }
        if (atSegmentEnd) {
          this.options.log.warn({ segment, offset: offset + at, bytes: buf.length - at }, 'click journal: torn record at the end of a segment (a crash during a write); skipped');
          at = buf.length;
        }
        break;
      }
      if (frame.kind === 'corrupt') {
        this.options.log.warn({ segment, offset: offset + at, reason: frame.reason }, 'click journal: corrupt record skipped');
        // Nothing after a bad length can be trusted: skip to the end of what is written in the segment.
        if (frame.next === null) {
          at = segmentEnd - offset;
          break;
        }
        at = frame.next;
        continue;
      }
      at = frame.next;
      if (isSnapshot(frame.payload)) {
        // Not a click: the visits after it name it (it counts in no record figure).
        try {
          const snapshot = decodeSnapshot(frame.payload);
          links.set(snapshot.key, snapshot.link);
        } catch (err) {
          this.options.log.warn({ segment, offset: offset + at, err }, 'click journal: unreadable link snapshot skipped (the visits naming it are skipped too)');
        }
        continue;
      }
      records++;
      const start = frame.next - frame.payload.length;
      spans.push(start, frame.next);
      lastAt = visitTime(frame.payload) ?? lastAt;
    }
    const batch: Batch = { buf, spans, links, segment, offset, records, lastAt, end: { segment, offset: offset + at }, decoded: null };
    if (this.decodeAhead) {
      const unreadable: Unreadable = { count: 0, first: null };
      batch.decoded = { visits: this.decodeVisits(batch, 0, spans.length, unreadable), unreadable };
    }
    return batch;
  }

  /** The visits of `batch.spans[from, to)`; unreadable ones are counted in `unreadable` and skipped. */
  private decodeVisits(batch: Batch, from: number, to: number, unreadable: Unreadable): Visit[] {
    const visits: Visit[] = [];
    const links = batch.links;
    const linkOf = (key: number) => links.get(key);
    for (let i = from; i < to; i += 2) {
      const start = batch.spans[i]!;
      try {
        visits.push(decodeVisitAt(batch.buf, start, batch.spans[i + 1]!, linkOf).visit);
      } catch (err) {
        if (unreadable.count++ === 0) unreadable.first = { offset: batch.offset + start - HEADER_BYTES, err };
      }
    }
    return visits;
  }

  /** Records between the committed position and the end of the journal, for the lag figure. */
  private async countBacklog(): Promise<number> {
    let count = 0;
    // Taken with the segment ends below (same synchronous moment): later appends are the writer's count minus this.
    this.appendedAtStart = this.journal.appendedRecords;
    for (const s of this.journal.readable()) {
      if (s.segment < this.position.segment) continue;
      let offset = s.segment === this.position.segment ? this.position.offset : 0;
      while (offset < s.end) {
        const length = Math.min(s.end - offset, this.readBytes);
        const buf = Buffer.allocUnsafe(length);
        const file = await open(this.journal.segmentPath(s.segment), 'r');
        let bytesRead: number;
        try {
          bytesRead = (await file.read(buf, 0, length, offset)).bytesRead;
        } finally {
          await file.close();
        }
        let at = 0;
        for (;;) {
          const frame = decodeFrame(buf.subarray(0, bytesRead), at);
          if (frame.kind === 'record') {
            if (!isSnapshot(frame.payload)) count++;
            at = frame.next;
          } else if (frame.kind === 'corrupt' && frame.next !== null && frame.next <= bytesRead) {
            at = frame.next;
          } else break;
        }
        if (at === 0) break; // torn or corrupt: the ingester will skip it
        offset += at;
      }
    }
    return count;
  }
}

interface Unreadable {
  count: number;
  first: { offset: number; err: unknown } | null;
}

function before(a: JournalPosition, b: JournalPosition): boolean {
  return a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);
}

import { closeSync, existsSync, fdatasync, fstatSync, ftruncateSync, mkdirSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER_BYTES } from './frame.js';
import { BatchEncoder, BatchSettlement, type QueuedRecord, type SegmentSnapshot } from './journal-batch.js';
import { copySegmentBack, readOrCreateId, segmentSizes, writeId } from './journal-directory.js';
import { JournalLock } from './journal-lock.js';
import { JournalWriteFailure, type FailureReporting } from './journal-write-failure.js';
import { segmentName, type IngestProgressLike, type JournalPosition, type JournalSource, type JournalState } from './journal-source.js';

export interface JournalOptions extends FailureReporting {
  /** A segment is closed and a new one started once it holds this many bytes. */
  segmentBytes: number;
  /** Appends are refused once this many bytes wait for ingestion. */
  maxBytes: number;
  /** fdatasync before answering: survives a machine crash too, at a large cost per tick. */
  fsync: boolean;
}

/** The journal cannot take this record now: the caller counts the visit another way (the database). */
export class JournalUnavailableError extends Error {
  override name = 'JournalUnavailableError';
}

/** Appends are refused at the size bound (the database has been away too long). */
export class JournalFullError extends JournalUnavailableError {
  override name = 'JournalFullError';
}

/** How often the writer checks that its segment file is still in the directory (see checkLinked). */
const LINK_CHECK_MS = 1_000;

const WARN_FRACTION = 0.8;

/**
 * The click journal's writing side: records gathered during one event-loop turn are appended with
 * one write() to the active segment file (opened O_APPEND); each record's promise settles only
 * when that write returned. After write() returns the bytes are in the kernel's page cache: a
 * killed process (kill -9, OOM) loses nothing; only a machine crash or power cut can, unless
 * `fsync` is on.
 *
 * Each process owns its journal directory (journal-lock.ts); a restart on the same directory
 * picks up what the previous process left. Every start begins a new segment, so a torn record at
 * the end of an old segment is never followed by new records.
 *
 * A failed write (a full disk, the directory removed, an I/O error) never throws out of append():
 * the records of that write are cut off the segment again (nobody was answered for them; if they
 * stayed, the ingester would count visits whose visitors were told something else), appends are
 * refused with JournalUnavailableError — the redirect then counts through the database, as at the
 * size bound — and the journal is tried again a second later. The failure is reported once, and
 * shown by warning()/writeError() until a write succeeds.
 */
export class ClickJournal implements JournalSource {
  readonly id: string;
  /** Records of the next write, and the promise their appends returned. */
  private queue: QueuedRecord[] = [];
  private queueBytes = 0;
  private settlement: BatchSettlement | null = null;
  private readonly encoder = new BatchEncoder();
  private scheduled = false;
  private writing = false;
  /** -1 while no segment could be opened (see failure). */
  private fd = -1;
  private active: number;
  private activeSize = 0;
  /** Sizes of every segment still on disk (sealed ones are final), by sequence number. */
  private readonly sizes: Map<number, number>;
  private ingested: JournalPosition;
  private readonly listeners: (() => void)[] = [];
  /** Keys of the snapshots the active segment holds (or the write in progress puts there). */
  private snapshotsInSegment = new Set<number>();
  private closed = false;
  private warnedAt = 0;
  private readonly lock: JournalLock;
  /** Why the journal cannot be written, and when to try again; null while it works. */
  private readonly failure: JournalWriteFailure;
  /** The active segment may hold bytes of a failed write past activeSize: start a new one before writing. */
  private needsNewSegment = false;
  private readonly linkCheck: NodeJS.Timeout;
  appendedRecords = 0;
  /** The ingester's latest progress report (it may run in another thread). */
  lastProgress: IngestProgressLike | null = null;

  private constructor(
    readonly dir: string,
    private readonly options: JournalOptions,
  ) {
    this.failure = new JournalWriteFailure(dir, options);
    mkdirSync(dir, { recursive: true });
    this.lock = JournalLock.take(dir);
    try {
      this.id = readOrCreateId(dir);
      this.sizes = segmentSizes(dir);
    } catch (err) {
      this.lock.release();
      throw err;
    }
    const seqs = [...this.sizes.keys()].sort((a, b) => a - b);
    this.active = (seqs[seqs.length - 1] ?? 0) + 1;
    this.ingested = { segment: seqs[0] ?? this.active, offset: 0 };
    this.sizes.set(this.active, 0);
    try {
      this.fd = this.openSegment(this.active);
    } catch (err) {
      // A full disk at startup: serve through the database until a segment can be opened.
      this.fail(err);
    }
    // One fstat a second, never per click: a removed directory leaves writes landing in an
    // unlinked file that no reader can open.
    this.linkCheck = setInterval(() => this.checkLinked(), LINK_CHECK_MS);
    this.linkCheck.unref();
  }

  static open(dir: string, options: JournalOptions): ClickJournal {
    return new ClickJournal(dir, options);
  }

  /** Resolves once the record (after `snapshot`, if this segment lacks it) is in the journal file. */
  append(payload: Buffer | string, snapshot?: SegmentSnapshot): Promise<void> {
    if (this.closed) return Promise.reject(new Error('click journal is closed'));
    if (this.failure.message !== null && !this.retryNow()) return Promise.reject(new JournalUnavailableError(this.failure.message));
    // UTF-16 units for a text's bytes: exact for the ASCII a visit is almost all made of, and no
    // pass over the text here (the encoder learns the exact size as it writes it).
    const bytes = HEADER_BYTES + payload.length;
    const backlog = this.backlogBytes() + this.queueBytes + bytes;
    if (backlog > this.options.maxBytes) {
      this.warn(`click journal ${this.dir} is full (${backlog} of ${this.options.maxBytes} bytes wait for the database)`);
      return Promise.reject(new JournalFullError('click journal is full'));
    }
    if (backlog > this.options.maxBytes * WARN_FRACTION) this.warn(`click journal ${this.dir} is ${Math.round((100 * backlog) / this.options.maxBytes)}% full: the database is not keeping up or unreachable`);
    this.queue.push({ payload, snapshot });
    this.queueBytes += bytes;
    // One promise per write, not per record: every record of a write settles when it returns.
    if (this.settlement === null) {
      this.settlement = new BatchSettlement();
      this.schedule();
    }
    return this.settlement.promise;
  }

  /** Called after each completed append (the ingester wakes up). */
  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Segments that hold records, oldest first, with how far each can be read now. */
  readable(): { segment: number; end: number; sealed: boolean }[] {
    return [...this.sizes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([segment, size]) => ({ segment, end: segment === this.active ? this.activeSize : size, sealed: segment !== this.active }));
  }

  segmentPath(segment: number): string {
    return join(this.dir, segmentName(segment));
  }

  /** Everything before `position` is in the database: sealed segments before it are deleted. */
  markIngested(position: JournalPosition, progress?: IngestProgressLike): void {
    this.ingested = position;
    if (progress) this.lastProgress = progress;
    for (const seq of [...this.sizes.keys()]) {
      if (seq < position.segment && seq !== this.active) {
        rmSync(this.segmentPath(seq), { force: true });
        this.sizes.delete(seq);
      }
    }
  }

  /** Bytes written but not yet ingested. */
  backlogBytes(): number {
    let total = 0;
    for (const [seq, size] of this.sizes) {
      const end = seq === this.active ? this.activeSize : size;
      if (seq > this.ingested.segment) total += end;
      else if (seq === this.ingested.segment) total += Math.max(0, end - this.ingested.offset);
    }
    return total;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Everything before this position is in the database. */
  ingestedPosition(): JournalPosition {
    return this.ingested;
  }

  /** What an ingester in another thread needs to know (see journal-thread-bridge.ts). */
  state(): JournalState {
    return { id: this.id, maxBytes: this.options.maxBytes, active: this.active, activeSize: this.activeSize, sizes: [...this.sizes.entries()], appendedRecords: this.appendedRecords, warning: this.warning(), writeError: this.writeError() };
  }

  /** Where the last completed append ended. */
  writtenEnd(): JournalPosition {
    return { segment: this.active, offset: this.activeSize };
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing || this.queue.length > 0) {
      if (!this.writing) this.flush();
      await new Promise((r) => setImmediate(r));
    }
    clearInterval(this.linkCheck);
    if (this.fd >= 0) closeSync(this.fd);
    this.lock.release();
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // After the current I/O phase: everything that arrived in this event-loop turn shares one write.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    const settlement = this.settlement!;
    this.queue = [];
    this.queueBytes = 0;
    this.settlement = null;
    // A batch goes whole into the active segment (rotation happens between writes only), so a
    // snapshot placed here precedes every record of this segment that names it.
    const buffer = this.encoder.encode(batch, this.snapshotsInSegment);
    this.writing = true;
    const done = (err: Error | null) => {
      this.writing = false;
      if (err) {
        // The file may hold part of this batch; nobody was answered for it (each visit goes the
        // database path instead), so it must never be read: cut it off again.
        this.discardPast(this.activeSize);
        this.fail(err);
        this.snapshotsInSegment = new Set();
        settlement.reject(new JournalUnavailableError(this.failure.message!));
      } else {
        this.activeSize += buffer.length;
        this.sizes.set(this.active, this.activeSize);
        this.appendedRecords += batch.length;
        this.failure.recovered();
        settlement.resolve();
        for (const l of this.listeners) l();
        if (this.activeSize >= this.options.segmentBytes) this.rotate();
      }
      if (this.queue.length > 0) this.schedule();
    };
    this.writeAll(buffer, 0, done);
  }

  private writeAll(buffer: Buffer, from: number, done: (err: Error | null) => void): void {
    if (!this.options.fsync) {
      // Into the page cache: a few microseconds for a whole tick's batch, less than the two thread
      // hops of handing it to libuv's pool and back (measured: ~4 µs less main-thread CPU per
      // redirect). With fsync the flush takes milliseconds, and must not stall the event loop.
      let at = from;
      try {
        while (at < buffer.length) at += writeSync(this.fd, buffer, at, buffer.length - at);
      } catch (err) {
        return done(err as Error);
      }
      return done(null);
    }
    write(this.fd, buffer, from, buffer.length - from, null, (err, written) => {
      if (err) return done(err);
      if (from + written < buffer.length) return this.writeAll(buffer, from + written, done);
      fdatasync(this.fd, (syncErr) => done(syncErr));
    });
  }

  /** Starts the next segment; a failure (no room for the file) keeps the current one and is reported. */
  private rotate(): boolean {
    // Without an open segment (none could be opened), the active one has no file yet: open it.
    const next = this.fd < 0 ? this.active : this.active + 1;
    let fd: number;
    try {
      fd = this.openSegment(next);
    } catch (err) {
      this.fail(err);
      return false;
    }
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = fd;
    this.active = next;
    this.activeSize = 0;
    this.sizes.set(this.active, 0);
    this.snapshotsInSegment = new Set();
    this.needsNewSegment = false;
    return true;
  }

  /** Opened for reading too, so a segment whose file was removed can be copied back (restoreDirectory). */
  private openSegment(segment: number): number {
    return openSync(this.segmentPath(segment), 'a+');
  }

  /** Cuts a failed write's bytes off the active segment; if that fails too, the segment is sealed at `end`. */
  private discardPast(end: number): void {
    this.sizes.set(this.active, end);
    try {
      if (this.fd >= 0) ftruncateSync(this.fd, end);
    } catch {
      // Readers stop at a sealed segment's recorded size; a restart would read the stray bytes
      // (statSync), which is why the cut is tried first.
      this.needsNewSegment = true;
    }
  }

  private fail(err: unknown): void {
    this.failure.failed(err);
  }

  /**
   * Called by append() while failing: once a second, gets the journal ready to try a write again
   * (the directory recreated if it was removed, a new segment if the last one may hold stray
   * bytes). True when this append may try.
   */
  private retryNow(): boolean {
    if (!this.failure.retryDue()) return false;
    try {
      if (!existsSync(this.dir) || (this.fd >= 0 && fstatSync(this.fd).nlink === 0)) this.restoreDirectory();
      if (this.fd < 0 || this.needsNewSegment) return this.rotate();
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /** Every second: is the active segment still linked into the directory? */
  private checkLinked(): void {
    if (this.closed || this.writing || this.fd < 0 || this.failure.message !== null) return;
    try {
      if (fstatSync(this.fd).nlink > 0) return;
      this.restoreDirectory();
      this.options.onWarning(`click journal ${this.dir} was removed while in use: recreated, with the clicks of the segment being written`);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * The directory (or the active segment) was removed while we write: recreate it, with its id
   * and lock, and copy the active segment back from our open descriptor, so the clicks answered
   * into it are ingested after all. Sealed segments removed with it are gone; they are forgotten
   * and the ingester moves on.
   */
  private restoreDirectory(): void {
    mkdirSync(this.dir, { recursive: true });
    writeId(this.dir, this.id);
    this.lock.renew();
    for (const seq of [...this.sizes.keys()]) {
      if (seq !== this.active && !existsSync(this.segmentPath(seq))) {
        this.sizes.delete(seq);
        this.options.onWarning(`click journal ${this.dir}: segment ${segmentName(seq)} was removed before it was ingested; its clicks are lost`);
      }
    }
    if (this.fd < 0) return;
    const copy = copySegmentBack(this.fd, this.activeSize, this.segmentPath(this.active));
    this.fd = copy.fd;
    this.activeSize = copy.size;
    this.sizes.set(this.active, copy.size);
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.warnedAt < 10_000) return;
    this.warnedAt = now;
    this.options.onWarning(message);
  }

  /** Why the journal cannot be written now (redirects count through the database meanwhile); null while it works. */
  writeError(): string | null {
    return this.failure.message;
  }

  /** A write failure, or approaching or at the size bound, for /healthz. */
  warning(): string | null {
    if (this.failure.message !== null) return this.failure.message;
    const backlog = this.backlogBytes();
    if (backlog >= this.options.maxBytes * WARN_FRACTION) return `journal is ${Math.round((100 * backlog) / this.options.maxBytes)}% full`;
    return null;
  }
}

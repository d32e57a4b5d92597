import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, write, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFrame, encodeTextFrame } from './frame.js';

export interface JournalOptions {
  /** A segment is closed and a new one started once it holds this many bytes. */
  segmentBytes: number;
  /** Appends are refused once this many bytes wait for ingestion. */
  maxBytes: number;
  /** fdatasync before answering: survives a machine crash too, at a large cost per tick. */
  fsync: boolean;
  onWarning: (message: string) => void;
}

export class JournalFullError extends Error {
  override name = 'JournalFullError';
}

/**
 * A record that other records of the same segment refer to by `key` (a link snapshot, see
 * visit-codec.ts). The journal writes it in front of the first record that needs it in each
 * segment: a reader starting at any segment finds it there.
 */
export interface SegmentSnapshot {
  key: number;
  payload(): string;
}

interface Pending {
  frame: Buffer;
  snapshot: SegmentSnapshot | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface JournalPosition {
  segment: number;
  offset: number;
}

/** The journal as its ingester sees it: in this thread (ClickJournal) or another (RemoteJournal). */
export interface JournalSource {
  readonly id: string;
  readonly maxBytes: number;
  readonly appendedRecords: number;
  /** Resolves once the source knows the journal's state (a remote one waits for the writer). */
  ready?(): Promise<void>;
  readable(): { segment: number; end: number; sealed: boolean }[];
  segmentPath(segment: number): string;
  /** Everything before `position` is in the database. */
  markIngested(position: JournalPosition, progress: IngestProgressLike): void;
  backlogBytes(): number;
  warning(): string | null;
  writtenEnd(): JournalPosition;
  onAppend(listener: () => void): void;
}

/** See IngestProgress in journal-ingester.ts (kept structural here so the writer imports no ingester). */
export interface IngestProgressLike {
  ingestedRecords: number;
  backlogAtStart: number;
  appendedAtStart: number;
  lastIngestedAt: number | null;
  startedAt: number;
}

export interface JournalState {
  id: string;
  maxBytes: number;
  active: number;
  activeSize: number;
  sizes: [number, number][];
  appendedRecords: number;
  warning: string | null;
}

const SEGMENT = /^(\d{12})\.seg$/;
export const segmentName = (seq: number) => `${String(seq).padStart(12, '0')}.seg`;
const WARN_FRACTION = 0.8;

/**
 * The click journal's writing side: records gathered during one event-loop turn are appended with
 * one write() to the active segment file (opened O_APPEND); each record's promise settles only
 * when that write returned. After write() returns the bytes are in the kernel's page cache: a
 * killed process (kill -9, OOM) loses nothing; only a machine crash or power cut can, unless
 * `fsync` is on.
 *
 * Each process owns its journal directory (a lock file holds its pid); a restart on the same
 * directory picks up what the previous process left. Every start begins a new segment, so a torn
 * record at the end of an old segment is never followed by new records.
 */
export class ClickJournal implements JournalSource {
  readonly id: string;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private writing = false;
  private fd: number;
  private active: number;
  private activeSize = 0;
  /** Sizes of every segment still on disk (sealed ones are final), by sequence number. */
  private readonly sizes = new Map<number, number>();
  private ingested: JournalPosition;
  private readonly listeners: (() => void)[] = [];
  /** Keys of the snapshots the active segment holds (or the write in progress puts there). */
  private snapshotsInSegment = new Set<number>();
  private closed = false;
  private warnedAt = 0;
  appendedRecords = 0;
  /** The ingester's latest progress report (it may run in another thread). */
  lastProgress: IngestProgressLike | null = null;

  private constructor(
    readonly dir: string,
    private readonly options: JournalOptions,
  ) {
    mkdirSync(dir, { recursive: true });
    this.id = readOrCreateId(dir);
    takeLock(dir);
    for (const name of readdirSync(dir)) {
      const m = SEGMENT.exec(name);
      if (m) this.sizes.set(Number(m[1]), statSync(join(dir, name)).size);
    }
    const seqs = [...this.sizes.keys()].sort((a, b) => a - b);
    this.active = (seqs[seqs.length - 1] ?? 0) + 1;
    this.ingested = { segment: seqs[0] ?? this.active, offset: 0 };
    this.fd = openSync(join(dir, segmentName(this.active)), 'a');
    this.sizes.set(this.active, 0);
  }

  static open(dir: string, options: JournalOptions): ClickJournal {
    return new ClickJournal(dir, options);
  }

  /** Resolves once the record (after `snapshot`, if this segment lacks it) is in the journal file. */
  append(payload: Buffer | string, snapshot?: SegmentSnapshot): Promise<void> {
    if (this.closed) return Promise.reject(new Error('click journal is closed'));
    const frame = typeof payload === 'string' ? encodeTextFrame(payload) : encodeFrame(payload);
    const backlog = this.backlogBytes() + this.pendingBytes + frame.length;
    if (backlog > this.options.maxBytes) {
      this.warn(`click journal ${this.dir} is full (${backlog} of ${this.options.maxBytes} bytes wait for the database)`);
      return Promise.reject(new JournalFullError('click journal is full'));
    }
    if (backlog > this.options.maxBytes * WARN_FRACTION) this.warn(`click journal ${this.dir} is ${Math.round((100 * backlog) / this.options.maxBytes)}% full: the database is not keeping up or unreachable`);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ frame, snapshot, resolve, reject });
      this.pendingBytes += frame.length;
      this.schedule();
    });
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
    return { id: this.id, maxBytes: this.options.maxBytes, active: this.active, activeSize: this.activeSize, sizes: [...this.sizes.entries()], appendedRecords: this.appendedRecords, warning: this.warning() };
  }

  /** Where the last completed append ended. */
  writtenEnd(): JournalPosition {
    return { segment: this.active, offset: this.activeSize };
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing || this.pending.length > 0) {
      if (!this.writing) this.flush();
      await new Promise((r) => setImmediate(r));
    }
    closeSync(this.fd);
    rmSync(join(this.dir, 'lock'), { force: true });
    lockedHere.delete(this.dir);
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
    if (this.writing || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    // A batch goes whole into the active segment (rotation happens between writes only), so a
    // snapshot placed here precedes every record of this segment that names it.
    const frames: Buffer[] = [];
    for (const p of batch) {
      if (p.snapshot !== undefined && !this.snapshotsInSegment.has(p.snapshot.key)) {
        this.snapshotsInSegment.add(p.snapshot.key);
        frames.push(encodeTextFrame(p.snapshot.payload()));
      }
      frames.push(p.frame);
    }
    const buffer = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    this.writing = true;
    const done = (err: Error | null) => {
      this.writing = false;
      if (err) {
        // The file may hold part of this batch; nobody was answered for it. A new segment keeps the
        // partial bytes at the end of a sealed one, where the reader skips them.
        this.sizes.set(this.active, statSync(this.segmentPath(this.active)).size);
        this.rotate();
        for (const p of batch) p.reject(err);
      } else {
        this.activeSize += buffer.length;
        this.sizes.set(this.active, this.activeSize);
        this.appendedRecords += batch.length;
        for (const p of batch) p.resolve();
        for (const l of this.listeners) l();
        if (this.activeSize >= this.options.segmentBytes) this.rotate();
      }
      if (this.pending.length > 0) this.schedule();
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

  private rotate(): void {
    closeSync(this.fd);
    this.active += 1;
    this.activeSize = 0;
    this.fd = openSync(this.segmentPath(this.active), 'a');
    this.sizes.set(this.active, 0);
    this.snapshotsInSegment = new Set();
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.warnedAt < 10_000) return;
    this.warnedAt = now;
    this.options.onWarning(message);
  }

  /** Approaching or at the size bound, for /healthz. */
  warning(): string | null {
    const backlog = this.backlogBytes();
    if (backlog >= this.options.maxBytes * WARN_FRACTION) return `journal is ${Math.round((100 * backlog) / this.options.maxBytes)}% full`;
    return null;
  }
}

function readOrCreateId(dir: string): string {
  const file = join(dir, 'journal-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first use of this directory
  }
  const id = `jnl_${randomBytes(8).toString('hex')}`;
  writeFileSync(file, `${id}\n`);
  return id;
}

/** One process per journal directory: two appenders would interleave and two ingesters double-count. */
const lockedHere = new Set<string>();

function takeLock(dir: string): void {
  const file = join(dir, 'lock');
  if (lockedHere.has(dir)) throw new Error(`click journal ${dir} is already open in this process; give each app its own journal directory`);
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`click journal ${dir} is in use by process ${pid}; give each process its own LINKWIRE_JOURNAL_DIR`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(file, `${process.pid}\n`);
  lockedHere.add(dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

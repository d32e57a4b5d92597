import { open, type FileHandle } from 'node:fs/promises';
import type { Visit } from '../visit.js';
import type { Link } from '../../links/link-schema.js';
import type { JournalPosition, JournalSource } from './journal-source.js';
import { decodeFrame, HEADER_BYTES, MAX_PAYLOAD_BYTES } from './frame.js';
import { decodeSnapshot, decodeVisitAt, isSnapshot, SNAPSHOT_BYTE, visitTime } from './visit-codec.js';

export interface JournalReaderOptions {
  /** Visit records per batch. */
  batchRecords: number;
  /** Bytes read from a segment at a time (more than the largest record). */
  readBytes: number;
  /** Decode every visit when the batch is read (PostgreSQL; see JournalIngester). */
  decodeAhead: boolean;
  log: { warn(obj: object, msg: string): void };
}

export interface Read {
  batch: Batch | null;
  from: JournalPosition;
}

/**
 * Records read and checked (frame, checksum) but not yet decoded: the visits are decoded a chunk
 * at a time inside the transaction, so only a chunk's strings and objects are alive at once
 * (a whole batch of them outlived V8's young generation and cost a quarter of the CPU in GC).
 */
export interface Batch {
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

export interface Unreadable {
  count: number;
  first: { offset: number; err: unknown } | null;
}

/**
 * Reads journal records from a position on, a batch at a time, checks their frames and checksums,
 * and decodes the visits (the half of the ingest that touches no database; journal-committer.ts is
 * the other). Keeps the link snapshots of the segment it is in, which the visits name.
 */
export class JournalReader {
  /**
   * The link snapshots of the segment being read, by key (visit-codec.ts): every snapshot before
   * the read position, and those read since (a batch that failed reads them again, to the same
   * links).
   */
  private snapshots: { segment: number; links: Map<number, Link> } = { segment: -1, links: new Map() };
  /**
   * Two read buffers, used in turn: a batch's bytes are decoded during its transaction while the
   * next batch is read ahead into the other one. At most two batches exist at a time (the one in
   * its transaction and the one read ahead), and every read takes the buffer the previous read
   * did not, so a read never overwrites bytes still to be decoded.
   */
  private readonly readBuffers: (Buffer | null)[] = [null, null];
  private nextReadBuffer = 0;
  private readonly batchRecords: number;
  private readonly readBytes: number;

  constructor(
    private readonly journal: JournalSource,
    private readonly options: JournalReaderOptions,
  ) {
    this.batchRecords = options.batchRecords;
    this.readBytes = options.readBytes;
  }

  /**
   * The next records from `from`: at most `batchRecords`, within one segment. Moves past the end
   * of sealed segments (a torn tail included) to the next one; `from` is where it started reading.
   */
  async readBatch(from: JournalPosition): Promise<Read> {
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
        // Passed like a visit, as countBacklog (which reads no checksum) and the writer counted it: the lag figure returns to 0.
        if (frame.next !== null && buf[at + HEADER_BYTES] !== SNAPSHOT_BYTE) records++;
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
    if (this.options.decodeAhead) {
      const unreadable: Unreadable = { count: 0, first: null };
      batch.decoded = { visits: this.decodeVisits(batch, 0, spans.length, unreadable), unreadable };
    }
    return batch;
  }

  /** The visits of `batch.spans[from, to)`; unreadable ones are counted in `unreadable` and skipped. */
  decodeVisits(batch: Batch, from: number, to: number, unreadable: Unreadable): Visit[] {
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
  async countBacklog(position: JournalPosition): Promise<number> {
    let count = 0;
    let buf: Buffer | null = null;
    for (const s of this.journal.readable()) {
      if (s.segment < position.segment) continue;
      let offset = s.segment === position.segment ? position.offset : 0;
      if (offset >= s.end) continue;
      const file = await open(this.journal.segmentPath(s.segment), 'r');
      try {
        while (offset < s.end) {
          const length = Math.min(s.end - offset, this.readBytes);
          buf ??= Buffer.allocUnsafe(this.readBytes);
          const { bytesRead } = await file.read(buf, 0, length, offset);
          const counted = countFrames(buf, bytesRead);
          count += counted.visits;
          if (counted.end === 0) break; // torn or a bad length: the ingester skips the rest
          offset += counted.end;
        }
      } finally {
        await file.close();
      }
    }
    return count;
  }
}

/**
 * The visit records among the whole frames at the start of `buf[0, length)`, and where the last
 * one ends: frame headers only, no checksum (a start-up backlog count over a journal of millions
 * of records; decode() counts a damaged visit as passed, as this counts it). Stops at a torn frame
 * or an implausible length.
 */
function countFrames(buf: Buffer, length: number): { visits: number; end: number } {
  let visits = 0;
  let at = 0;
  while (length - at >= HEADER_BYTES) {
    const payload = buf.readUInt32LE(at);
    if (payload === 0 || payload > MAX_PAYLOAD_BYTES) break;
    const next = at + HEADER_BYTES + payload;
    if (next > length) break;
    if (buf[at + HEADER_BYTES] !== SNAPSHOT_BYTE) visits++;
    at = next;
  }
  return { visits, end: at };
}

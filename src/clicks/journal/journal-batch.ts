import { crc32 } from 'node:zlib';
import { HEADER_BYTES } from './frame.js';

/**
 * A record that other records of the same segment refer to by `key` (a link snapshot, see
 * visit-codec.ts). The journal writes it in front of the first record that needs it in each
 * segment: a reader starting at any segment finds it there.
 */
export interface SegmentSnapshot {
  key: number;
  payload(): string;
}

/** One append waiting for the next write: its payload, and the snapshot it names, if any. */
export interface QueuedRecord {
  payload: string | Buffer;
  snapshot: SegmentSnapshot | undefined;
}

/** The promise every record of one write shares: settled once, when that write returned. */
export class BatchSettlement {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3;
/** A scratch buffer larger than this is not kept between writes (a storm's batch pins no memory). */
const KEEP_SCRATCH_BYTES = 1 << 22;

/**
 * Frames (frame.ts) for one write: every record of an event-loop turn, each preceded by the
 * snapshot it names when the segment does not hold that yet. Written straight into one scratch
 * buffer that is reused from write to write: per record no Buffer of its own, no separate
 * byte-length pass over the text (the frame's length is what `write` returned), one CRC over
 * the bytes in place. The returned view is valid until the next call (the journal writes one
 * batch at a time).
 */
export class BatchEncoder {
  private scratch = Buffer.allocUnsafe(1 << 16);

  encode(batch: readonly QueuedRecord[], snapshotsInSegment: Set<number>): Buffer {
    // In write order: a snapshot right before the first record of the segment that names it.
    const pieces: (string | Buffer)[] = [];
    let bound = 0;
    for (const r of batch) {
      const s = r.snapshot;
      if (s !== undefined && !snapshotsInSegment.has(s.key)) {
        snapshotsInSegment.add(s.key);
        const text = s.payload();
        pieces.push(text);
        bound += HEADER_BYTES + text.length * MAX_UTF8_PER_UNIT;
      }
      pieces.push(r.payload);
      bound += HEADER_BYTES + (typeof r.payload === 'string' ? r.payload.length * MAX_UTF8_PER_UNIT : r.payload.length);
    }
    const buf = this.bufferFor(bound);
    let at = 0;
    for (const piece of pieces) at = writeFrame(buf, at, piece);
    return buf.subarray(0, at);
  }

  private bufferFor(bytes: number): Buffer {
    if (bytes <= this.scratch.length) return this.scratch;
    const buf = Buffer.allocUnsafe(Math.max(bytes, this.scratch.length * 2));
    if (buf.length <= KEEP_SCRATCH_BYTES) this.scratch = buf;
    return buf;
  }
}

/** One frame at `at` (room is guaranteed by the caller's bound); returns where the next starts. */
function writeFrame(buf: Buffer, at: number, payload: string | Buffer): number {
  const start = at + HEADER_BYTES;
  const length = typeof payload === 'string' ? buf.write(payload, start, 'utf8') : payload.copy(buf, start);
  buf.writeUInt32LE(length, at);
  buf.writeUInt32LE(crc32(buf.subarray(start, start + length)), at + 4);
  return start + length;
}

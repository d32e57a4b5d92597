import { crc32 } from 'node:zlib';

/**
 * A journal record on disk: payload length (u32 LE), CRC-32 of the payload (u32 LE), payload.
 * The checksum lets a reader tell a record that was fully written from one torn by a crash in the
 * middle of a write (or damaged later), without trusting the length alone.
 */
export const HEADER_BYTES = 8;
/** Larger lengths are treated as corruption: no click record comes near this. */
export const MAX_PAYLOAD_BYTES = 1 << 20;

/** A frame for `text`, written in place (one copy fewer on the redirect's thread). */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.writeUInt32LE(length, 0);
  frame.write(text, HEADER_BYTES, 'utf8');
  frame.writeUInt32LE(crc32(frame.subarray(HEADER_BYTES)), 4);
  return frame;
}

export type DecodeResult =
  /** A complete, valid record; the next one starts at `next`. */
  | { kind: 'record'; payload: Buffer; next: number }
  /** Not enough bytes for a whole record (yet): a torn tail, or the rest is still being read. */
  | { kind: 'incomplete' }
  /**
   * The bytes at this position are not a valid record. `next` is where the following record would
   * start when the length looked sane (only the payload is damaged), null when nothing after this
   * point in the segment can be trusted.
   */
  | { kind: 'corrupt'; reason: string; next: number | null };

/** Decodes the record starting at `at` in `buf`. */
export function decodeFrame(buf: Buffer, at: number): DecodeResult {
  if (buf.length - at < HEADER_BYTES) return { kind: 'incomplete' };
  const length = buf.readUInt32LE(at);
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', reason: `implausible record length ${length}`, next: null };
  const end = at + HEADER_BYTES + length;
  if (end > buf.length) return { kind: 'incomplete' };
  const payload = buf.subarray(at + HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32LE(at + 4)) return { kind: 'corrupt', reason: 'checksum mismatch', next: end };
  return { kind: 'record', payload, next: end };
}

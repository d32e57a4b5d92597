/** How much of a target's answer is kept (docs/webhooks.md: the response body is kept up to its first 4 KiB). */
export const KEPT_BODY_BYTES = 4096;

/**
 * Past this many bytes the rest is not even read: the request is aborted, which costs the
 * keep-alive connection but never lets a huge answer eat the worker's time. Below it the rest is
 * counted and dropped as it arrives (no copy, no stream), so the connection goes back to the pool.
 */
export const DRAINED_BODY_BYTES = 64 * 1024;

/**
 * The first KEPT_BODY_BYTES of a response body, gathered chunk by chunk as they arrive. Chunks are
 * kept as they came (views of the socket's read buffers, which undici never reuses) and joined
 * only once, at the end.
 */
export class KeptBody {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private seenBytes = 0;

  /** Takes one chunk; false once so much arrived that the rest should not be read at all. */
  add(chunk: Buffer): boolean {
    this.seenBytes += chunk.length;
    const room = KEPT_BODY_BYTES - this.keptBytes;
    if (room > 0 && chunk.length > 0) {
      const taken = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(taken);
      this.keptBytes += taken.length;
    }
    return this.seenBytes <= DRAINED_BODY_BYTES;
  }

  /** What was kept, as UTF-8, never ending in half a character (an incomplete one is left out). */
  text(): string {
    if (this.keptBytes === 0) return '';
    const bytes = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.keptBytes);
    return bytes.toString('utf8', 0, completeUtf8Length(bytes));
  }
}

/**
 * `bytes.length`, less a trailing UTF-8 sequence that was cut short (the 4 KiB cut, or a body that
 * stopped mid-character), as a StringDecoder's write() would hold it back.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  let lead = end - 1;
  // At most three continuation bytes (10xxxxxx) can follow a lead byte.
  while (lead >= 0 && end - lead <= 3 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  if (lead < 0) return end;
  const byte = bytes[lead] as number;
  const length = byte >= 0xf0 && byte <= 0xf7 ? 4 : byte >= 0xe0 ? (byte <= 0xef ? 3 : 1) : byte >= 0xc0 ? 2 : 1;
  return end - lead < length ? lead : end;
}

import { StringDecoder } from 'node:string_decoder';

/** How much of a target's answer is kept (docs/webhooks.md: the response body is kept up to its first 4 KiB). */
export const KEPT_BODY_BYTES = 4096;

/**
 * Past this many bytes the rest is not even read: the stream is destroyed, which costs
 * the keep-alive connection but never lets a huge answer eat the worker's time.
 */
export const DRAINED_BODY_BYTES = 64 * 1024;

export interface KeptBody {
  text: string;
  /** The error that interrupted reading, if any (the text is what arrived before it). */
  error: unknown;
}

/**
 * Keeps the first KEPT_BODY_BYTES of `body` as UTF-8 (never splitting a character) and
 * discards the rest without buffering it; reading through to the end when the body is
 * small enough lets the connection go back to the keep-alive pool.
 */
export async function readKeptBody(body: AsyncIterable<Buffer | Uint8Array>): Promise<KeptBody> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let seenBytes = 0;
  try {
    for await (const chunk of body) {
      seenBytes += chunk.length;
      if (keptBytes < KEPT_BODY_BYTES) {
        const slice = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, KEPT_BODY_BYTES - keptBytes));
        kept.push(Buffer.from(slice));
        keptBytes += slice.length;
      }
      if (seenBytes > DRAINED_BODY_BYTES) break; // leaving the loop destroys the stream
    }
    return { text: decode(kept), error: null };
  } catch (err) {
    return { text: decode(kept), error: err };
  }
}

function decode(chunks: Buffer[]): string {
  // write() without end() holds back an incomplete trailing character instead of mangling it.
  return new StringDecoder('utf8').write(Buffer.concat(chunks));
}

import { randomFillSync } from 'node:crypto';

export type IdPrefix = 'ws' | 'usr' | 'key' | 'lnk' | 'dom' | 'wh' | 'evt' | 'dlv' | 'att' | 'clk' | 'ses' | 'int' | 'inv' | 'mail' | 'lead' | 'sale';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
const RANDOM_DIGITS = 16;

/**
 * Prefixed, time-sortable ids: 10 chars of millisecond time then 16 random chars (80 bits),
 * so ids created later sort later and never collide in practice.
 */
export interface IdSource {
  next(prefix: IdPrefix): string;
}

export function createIdSource(now: () => number = Date.now): IdSource {
  let lastTime = -1;
  let timePart = '';
  // The random part as 16 base-32 digits; within one millisecond it is incremented.
  const digits = new Uint8Array(RANDOM_DIGITS);
  // Random bytes drawn from the CSPRNG 4 KiB at a time, not 16 bytes per id: ids are made on the
  // redirect's hot path (one per click), thousands per second.
  const pool = Buffer.allocUnsafe(RANDOM_DIGITS * 256);
  let poolAt = pool.length;
  return {
    next(prefix) {
      const time = now();
      if (time === lastTime) {
        // Same millisecond: increment the previous random part so order within the ms holds.
        for (let i = RANDOM_DIGITS - 1; i >= 0; i--) {
          if (digits[i]! < 31) {
            digits[i]!++;
            break;
          }
          digits[i] = 0;
        }
      } else {
        if (poolAt === pool.length) {
          randomFillSync(pool);
          poolAt = 0;
        }
        for (let i = 0; i < RANDOM_DIGITS; i++) digits[i] = pool[poolAt + i]! & 31;
        poolAt += RANDOM_DIGITS;
        timePart = timeDigits(time);
        lastTime = time;
      }
      let id = `${prefix}_${timePart}`;
      for (let i = 0; i < RANDOM_DIGITS; i++) id += ALPHABET[digits[i]!]!;
      return id;
    },
  };
}

function timeDigits(time: number): string {
  let timePart = '';
  let t = Math.max(0, Math.floor(time));
  for (let i = 0; i < 10; i++) {
    timePart = ALPHABET[t % 32]! + timePart;
    t = Math.floor(t / 32);
  }
  return timePart;
}

/** The smallest id a source could make at `time`: every id made at or after `time` sorts at or above it. */
export function idLowerBound(prefix: IdPrefix, time: number): string {
  return `${prefix}_${timeDigits(time)}${'0'.repeat(RANDOM_DIGITS)}`;
}

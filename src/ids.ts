import { randomBytes } from 'node:crypto';

export type IdPrefix = 'ws' | 'usr' | 'key' | 'lnk' | 'dom' | 'wh' | 'evt' | 'dlv' | 'att' | 'clk' | 'ses' | 'int' | 'inv';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * Prefixed, time-sortable ids: 10 chars of millisecond time then 16 random chars (80 bits),
 * so ids created later sort later and never collide in practice.
 */
export interface IdSource {
  next(prefix: IdPrefix): string;
}

export function createIdSource(now: () => number = Date.now): IdSource {
  let lastTime = -1;
  let lastRandom: number[] = [];
  return {
    next(prefix) {
      const time = now();
      let random: number[];
      if (time === lastTime) {
        // Same millisecond: increment the previous random part so order within the ms holds.
        random = lastRandom.slice();
        for (let i = random.length - 1; i >= 0; i--) {
          if (random[i]! < 31) {
            random[i]!++;
            break;
          }
          random[i] = 0;
        }
      } else {
        const bytes = randomBytes(16);
        random = Array.from(bytes, (b) => b & 31);
      }
      lastTime = time;
      lastRandom = random;
      let timePart = '';
      let t = time;
      for (let i = 0; i < 10; i++) {
        timePart = ALPHABET[t % 32]! + timePart;
        t = Math.floor(t / 32);
      }
      return `${prefix}_${timePart}${random.map((n) => ALPHABET[n]).join('')}`;
    },
  };
}

/** The smallest id a source could make at `time`: every id made at or after `time` sorts at or above it. */
export function idLowerBound(prefix: IdPrefix, time: number): string {
  let timePart = '';
  let t = Math.max(0, Math.floor(time));
  for (let i = 0; i < 10; i++) {
    timePart = ALPHABET[t % 32]! + timePart;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${timePart}${'0'.repeat(16)}`;
}

import { createHash, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
// No 0/o, 1/l/i: codes are copied from paper by hand.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten new single-use codes, `xxxxx-xxxxx` (about 49 bits each): shown once, stored only as hashes. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/**
 * The stored form of a code: SHA-256 of the user id and the code as typed, lower-cased, without
 * spaces or dashes. The user id in it binds a code to its user (the same code for two users
 * differs in the table). Random codes need no slow hash: there is no dictionary to try.
 */
export function recoveryCodeHash(userId: string, code: string): string {
  const normalised = code.toLowerCase().replace(/[\s-]+/g, '');
  return createHash('sha256').update(`${userId}:${normalised}`).digest('hex');
}

import { Secret, TOTP } from 'otpauth';

/** What every authenticator app assumes: SHA-1, 6 digits, 30-second steps. */
const PARAMS = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 });
/** A code of the step before or after the current one is accepted too: phones' clocks drift. */
const WINDOW = 1;

/** A new random TOTP secret (160 bits, as RFC 4226 recommends), base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app reads from the QR code. */
export function otpauthUrl(secret: string, account: string, issuer: string): string {
  return new TOTP({ ...PARAMS, issuer, label: account, secret: Secret.fromBase32(secret) }).toString();
}

/** Whether `code` looks like a TOTP code (six digits, spaces allowed) rather than a recovery code. */
export function looksLikeTotp(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s+/g, ''));
}

/**
 * The 30-second step whose code `code` is (within the window around `now`), or null. The caller
 * accepts it only when it is newer than the last step accepted, so a code works once.
 */
export function totpStep(secret: string, code: string, now: number): number | null {
  const totp = new TOTP({ ...PARAMS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code.replace(/\s+/g, ''), timestamp: now, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { looksLikeTotp, newTotpSecret, otpauthUrl, totpStep } from './totp.js';

describe('TOTP codes and recovery codes', () => {
  const secret = newTotpSecret();
  const codeAt = (ms: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });
  const now = Date.UTC(2026, 11, 7, 12, 0, 10);
  const step = Math.floor(now / 30_000);

  it.each([
    ['the current step', 0, step],
    ['the step before (a slow phone)', -30_000, step - 1],
    ['the step after (a fast phone)', 30_000, step + 1],
    ['two steps before', -60_000, null],
    ['two steps after', 60_000, null],
  ])('a code of %s → step %s', (_what, offset, expected) => {
    expect(totpStep(secret, codeAt(now + offset), now)).toBe(expected);
  });

  it('accepts spaces in a code, and refuses what is not a code', () => {
    const code = codeAt(now);
    expect(totpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(step);
    expect(looksLikeTotp('123 456')).toBe(true);
    expect(looksLikeTotp('abcde-fghjk')).toBe(false);
    expect(looksLikeTotp('1234567')).toBe(false);
  });

  it('puts the secret, issuer and account in the otpauth URL authenticator apps read', () => {
    const url = new URL(otpauthUrl(secret, 'ana@example.com', 'Linkwire (go.example)'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe('Linkwire (go.example)');
    expect(decodeURIComponent(url.pathname)).toContain('ana@example.com');
  });

  it('makes ten distinct recovery codes whose hash ignores case, spaces and dashes, and differs per user', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const code = codes[0]!;
    expect(recoveryCodeHash('usr_1', code.toUpperCase().replace('-', ' '))).toBe(recoveryCodeHash('usr_1', code));
    expect(recoveryCodeHash('usr_2', code)).not.toBe(recoveryCodeHash('usr_1', code));
    expect(recoveryCodeHash('usr_1', code)).not.toContain(code.replace('-', ''));
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_S, parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry-policy.js';

const exponential: RetryPolicy = { mode: 'exponential' };
const fixed = (value: number) => () => value;
const ALMOST_ONE = 0.999_999_999;

describe('DEFAULT_RETRY_SCHEDULE_S', () => {
  it('is 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 h) and cannot be changed', () => {
    expect(DEFAULT_RETRY_SCHEDULE_S).toEqual([5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
    const totalHours = DEFAULT_RETRY_SCHEDULE_S.reduce((a, b) => a + b, 0) / 3600;
    expect(totalHours).toBeGreaterThan(27.5);
    expect(totalHours).toBeLessThan(28);
    expect(Object.isFrozen(DEFAULT_RETRY_SCHEDULE_S)).toBe(true);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 5_000],
    [2, 300_000],
    [3, 1_800_000],
    [4, 7_200_000],
    [5, 18_000_000],
    [6, 36_000_000],
    [7, 36_000_000],
  ])('after %i failed attempt(s) waits the step, with random 0.5 meaning no jitter', (attempts, ms) => {
    expect(retryDelayMs(exponential, attempts, fixed(0.5))).toBe(ms);
  });

  it.each([1, 2, 3, 4, 5, 6, 7])('jitters step %i by at most ±10 %%', (attempts) => {
    const base = DEFAULT_RETRY_SCHEDULE_S[attempts - 1]! * 1000;
    expect(retryDelayMs(exponential, attempts, fixed(0))).toBe(base * 0.9);
    const high = retryDelayMs(exponential, attempts, fixed(ALMOST_ONE))!;
    expect(high).toBeLessThanOrEqual(base * 1.1);
    expect(high).toBeGreaterThan(base * 1.1 - 2);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs(exponential, attempts, Math.random)!;
      expect(delay).toBeGreaterThanOrEqual(base * 0.9);
      expect(delay).toBeLessThanOrEqual(base * 1.1);
    }
  });

  it('keeps the jitter within bounds even if random misbehaves', () => {
    expect(retryDelayMs(exponential, 2, fixed(7))).toBe(330_000);
    expect(retryDelayMs(exponential, 2, fixed(-3))).toBe(270_000);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(retryDelayMs(exponential, 2, fixed(0.123456789)))).toBe(true);
  });

  it('gives up past the end of the schedule', () => {
    expect(retryDelayMs(exponential, 7, fixed(0.5))).not.toBeNull();
    expect(retryDelayMs(exponential, 8, fixed(0.5))).toBeNull();
    expect(retryDelayMs(exponential, 50, fixed(0.5))).toBeNull();
  });

  it('follows a custom schedule', () => {
    const policy: RetryPolicy = { mode: 'exponential', schedule_s: [1, 10] };
    expect(retryDelayMs(policy, 1, fixed(0.5))).toBe(1000);
    expect(retryDelayMs(policy, 2, fixed(0))).toBe(9000);
    expect(retryDelayMs(policy, 3, fixed(0.5))).toBeNull();
  });

  it('gives up at once with an empty schedule', () => {
    expect(retryDelayMs({ mode: 'exponential', schedule_s: [] }, 1, fixed(0.5))).toBeNull();
  });

  it('never retries with mode none', () => {
    expect(retryDelayMs({ mode: 'none' }, 1, fixed(0.5))).toBeNull();
    expect(retryDelayMs({ mode: 'none' }, 1, fixed(0.5), 5000)).toBeNull();
  });

  it('rejects a nonsensical attempt count', () => {
    expect(() => retryDelayMs(exponential, 0, fixed(0.5))).toThrow(RangeError);
    expect(() => retryDelayMs(exponential, 1.5, fixed(0.5))).toThrow(RangeError);
  });

  describe('with Retry-After', () => {
    it('uses it, without jitter, when it lies within the schedule', () => {
      expect(retryDelayMs(exponential, 1, fixed(0), 600_000)).toBe(600_000);
      expect(retryDelayMs(exponential, 2, fixed(0.9), 60_000)).toBe(60_000);
    });

    it('never stretches beyond the largest step', () => {
      expect(retryDelayMs(exponential, 1, fixed(0.5), 86_400_000)).toBe(36_000_000);
      expect(retryDelayMs(exponential, 1, fixed(0.5), Number.POSITIVE_INFINITY)).toBe(36_000_000);
      expect(retryDelayMs({ mode: 'exponential', schedule_s: [60, 30] }, 2, fixed(0.5), 600_000)).toBe(60_000);
    });

    it('never shortens below 1 s', () => {
      expect(retryDelayMs(exponential, 1, fixed(0.5), 0)).toBe(1000);
      expect(retryDelayMs(exponential, 1, fixed(0.5), -5000)).toBe(1000);
      expect(retryDelayMs(exponential, 1, fixed(0.5), 250)).toBe(1000);
    });

    it('never adds attempts beyond the schedule', () => {
      expect(retryDelayMs(exponential, 8, fixed(0.5), 1000)).toBeNull();
    });

    it('is ignored when null, undefined or NaN', () => {
      expect(retryDelayMs(exponential, 2, fixed(0.5), null)).toBe(300_000);
      expect(retryDelayMs(exponential, 2, fixed(0.5), undefined)).toBe(300_000);
      expect(retryDelayMs(exponential, 2, fixed(0.5), Number.NaN)).toBe(300_000);
    });

    it('still waits at least 1 s on a schedule of zeros', () => {
      expect(retryDelayMs({ mode: 'exponential', schedule_s: [0] }, 1, fixed(0.5), 30_000)).toBe(1000);
      expect(retryDelayMs({ mode: 'exponential', schedule_s: [0] }, 1, fixed(0.5))).toBe(0);
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('  30 ', now)).toBe(30_000);
  });

  it('reads an IMF-fixdate', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('thu, 01 jan 2026 12:00:01 gmt', now)).toBe(1000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    expect(parseRetryAfter('Thursday, 01-Jan-26 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu Jan  1 12:00:10 2026', now)).toBe(10_000);
    expect(parseRetryAfter('Thu Jan 01 12:00:10 2026', now)).toBe(10_000);
  });

  it('puts an RFC 850 two-digit year within 50 years of now', () => {
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(0);
    expect(parseRetryAfter('Wednesday, 01-Jan-76 00:00:00 GMT', now)).toBe(Date.UTC(2076, 0, 1) - now);
    expect(parseRetryAfter('Friday, 01-Jan-77 00:00:00 GMT', now)).toBe(0);
  });

  it('never returns a negative delay for a date in the past', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
    ['negative', '-5'],
    ['fraction', '1.5'],
    ['exponent', '1e3'],
    ['words', 'soon'],
    ['ISO date', '2026-01-01T12:05:00Z'],
    ['no zone', 'Thu, 01 Jan 2026 12:05:00'],
    ['other zone', 'Thu, 01 Jan 2026 12:05:00 PST'],
    ['impossible day', 'Mon, 31 Feb 2026 12:00:00 GMT'],
    ['impossible hour', 'Thu, 01 Jan 2026 25:00:00 GMT'],
    ['bad month', 'Thu, 01 Foo 2026 12:00:00 GMT'],
    ['huge number', '9'.repeat(400)],
  ])('returns null for %s', (_name, header) => {
    expect(parseRetryAfter(header, now)).toBeNull();
  });
});

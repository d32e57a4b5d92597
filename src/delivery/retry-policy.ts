import type { RetryPolicy } from '../webhooks/webhook-schema.js';

export type { RetryPolicy };

/**
 * Wait before the 2nd … 8th attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — about 28 h in all,
 * so a receiver down overnight still gets every event without anyone replaying (SPEC §5). The
 * first step is short because most failures are a blip (a deploy, a restart).
 */
export const DEFAULT_RETRY_SCHEDULE_S: readonly number[] = Object.freeze([5, 300, 1800, 7200, 18_000, 36_000, 36_000]);

const JITTER_FRACTION = 0.1;
const MIN_RETRY_AFTER_MS = 1000;

/**
 * Milliseconds to wait before the next attempt, or null to give up (the delivery `failed`).
 *
 * `failedAttempts` counts attempts made so far (1 after the first failure); `random` returns
 * [0, 1) and spreads each step by ±10 %. A `retryAfterMs` (from a 429/503 `Retry-After`)
 * replaces the step's delay, clamped to [1 s, the schedule's largest step]: it is honoured
 * within the schedule and never adds attempts.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  random: () => number,
  retryAfterMs?: number | null,
): number | null {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be a positive integer, got ${failedAttempts}`);
  }
  if (policy.mode === 'none') return null;

  const schedule = policy.schedule_s ?? DEFAULT_RETRY_SCHEDULE_S;
  const stepSeconds = schedule[failedAttempts - 1];
  if (stepSeconds === undefined) return null;

  if (retryAfterMs != null && !Number.isNaN(retryAfterMs)) {
    const longestStepMs = Math.max(...schedule) * 1000;
    return Math.round(clamp(retryAfterMs, MIN_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, longestStepMs)));
  }

  const baseMs = Math.max(0, stepSeconds) * 1000;
  const jitter = (clamp(random(), 0, 1) * 2 - 1) * JITTER_FRACTION;
  return Math.round(baseMs * (1 + jitter));
}

/**
 * A `Retry-After` header as milliseconds from `nowMs` (never negative): delta-seconds or an
 * HTTP-date (IMF-fixdate, RFC 850 or asctime). Null when absent or unparseable.
 */
export function parseRetryAfter(header: string | undefined | null, nowMs: number): number | null {
  if (header == null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) {
    const ms = Number(value) * 1000;
    return Number.isFinite(ms) ? ms : null;
  }
  const dateMs = parseHttpDate(value, nowMs);
  return dateMs === null ? null : Math.max(0, dateMs - nowMs);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// Sun, 06 Nov 1994 08:49:37 GMT
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
// Sunday, 06-Nov-94 08:49:37 GMT
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
// Sun Nov  6 08:49:37 1994
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i');

function parseHttpDate(value: string, nowMs: number): number | null {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(m[3]!, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = RFC_850.exec(value);
  if (m) return utc(fullYear(Number(m[3]), nowMs), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = ASCTIME.exec(value);
  if (m) return utc(m[6]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!);
  return null;
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future means the past century.
function fullYear(twoDigits: number, nowMs: number): number {
  const thisYear = new Date(nowMs).getUTCFullYear();
  let year = Math.floor(thisYear / 100) * 100 + twoDigits;
  if (year > thisYear + 50) year -= 100;
  return year;
}

function utc(year: string | number, month: string, day: string, hour: string, minute: string, second: string): number | null {
  const [y, mo, d] = [Number(year), MONTHS.indexOf(month.toLowerCase()), Number(day)];
  const [h, mi, s] = [Number(hour), Number(minute), Number(second)];
  const midnight = new Date(Date.UTC(y, mo, d));
  if (midnight.getUTCMonth() !== mo || midnight.getUTCDate() !== d) return null;
  // 60 is a leap second in the grammar; it simply rolls over into the next minute.
  if (h > 23 || mi > 59 || s > 60) return null;
  return midnight.getTime() + ((h * 60 + mi) * 60 + s) * 1000;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

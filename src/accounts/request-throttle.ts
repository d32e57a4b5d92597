import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../runtime/clock.js';
import type { Storage } from '../storage/storage.js';

/** A limit: at most `hits` per `windowMs` in one bucket. */
export interface ThrottleLimit {
  readonly hits: number;
  readonly windowMs: number;
}

const HOUR = 3_600_000;

/**
 * The unauthenticated account routes' limits (issue 21 item 6, issue 22). Checked before any password
 * is hashed, so a flood from one address costs a row update, not 75 ms of scrypt per request.
 */
export const ACCOUNT_ROUTE_LIMITS = Object.freeze({
  forgotPerAddress: { hits: 5, windowMs: HOUR },
  /** Past this, forgot-password still answers 202 (no enumeration) but sends nothing. */
  forgotPerAccount: { hits: 3, windowMs: HOUR },
  resetPerAddress: { hits: 10, windowMs: 15 * 60_000 },
  acceptPerAddress: { hits: 10, windowMs: 15 * 60_000 },
});

/**
 * Fixed-window request counters in the database (every process shares them), one atomic upsert per
 * hit, so parallel requests cannot all slip through between a read and a write.
 */
export class RequestThrottle {
  private hitsSinceSweep = 0;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** Counts a hit in `bucket`; 0 when it is within the limit, else the ms until the window ends. */
  async hit(bucket: string, limit: ThrottleLimit): Promise<number> {
    const now = this.clock.now();
    const stale = now - limit.windowMs;
    const result = await sql<{ hits: number | string; window_started_at: number | string }>`
      INSERT INTO request_throttles (bucket, hits, window_started_at) VALUES (${bucket}, 1, ${now})
      ON CONFLICT (bucket) DO UPDATE SET
        hits = CASE WHEN request_throttles.window_started_at <= ${stale} THEN 1 ELSE request_throttles.hits + 1 END,
        window_started_at = CASE WHEN request_throttles.window_started_at <= ${stale} THEN excluded.window_started_at ELSE request_throttles.window_started_at END
      RETURNING hits, window_started_at`.execute(this.storage.db);
    const row = result.rows[0]!;
    if (++this.hitsSinceSweep >= 500) {
      this.hitsSinceSweep = 0;
      // Windows are at most a day long: older rows are garbage.
      await this.storage.db.deleteFrom('request_throttles').where('window_started_at', '<=', now - 24 * HOUR).execute();
    }
    if (Number(row.hits) <= limit.hits) return 0;
    return Math.max(1, Number(row.window_started_at) + limit.windowMs - now);
  }
}

/** Buckets name an address or a hashed email (the table would otherwise collect every address anyone typed). */
export const addressBucket = (route: string, ip: string): string => `${route}:ip:${ip}`;
export const accountBucket = (route: string, email: string): string => `${route}:account:${createHash('sha256').update(email).digest('hex')}`;

import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Outbox } from '../events/outbox.js';
import type { Storage } from '../storage/storage.js';

/** A wrong password for a known user becomes `security.login_failed` in each of that user's workspaces. */
export async function recordLoginFailure(
  deps: { storage: Storage; outbox: Outbox },
  failure: { userId: string | null; email: string; ip: string; userAgent: string | null },
): Promise<void> {
  if (!failure.userId) return; // unknown emails emit nothing and reveal nothing
  const userId = failure.userId;
  await deps.storage.transaction(async (tx) => {
    const memberships = await tx.db.selectFrom('memberships').select('workspace_id').where('user_id', '=', userId).execute();
    await deps.outbox.append(
      tx,
      memberships.map((m) => ({
        type: 'security.login_failed' as const,
        workspaceId: m.workspace_id,
        data: { email: failure.email.trim().toLowerCase(), ip: failure.ip, user_agent: failure.userAgent },
      })),
    );
  });
}

/** Failed logins allowed per window, per client IP and per account (email, known or not). */
export interface LoginLimits {
  readonly windowMs: number;
  readonly perIp: number;
  readonly perAccount: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = Object.freeze({ windowMs: 15 * 60_000, perIp: 10, perAccount: 5 });

/**
 * Counts failed logins in the database (so every process shares the count) against the app clock.
 * Unknown emails are counted like known ones, so a 429 reveals nothing about which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /** 0 when a login may be tried now, else how long until it may (ms). */
  async retryAfterMs(ip: string, email: string): Promise<number> {
    const now = this.clock.now();
    const waits = await Promise.all([
      this.waitFor(ipBucket(ip), this.limits.perIp, now),
      this.waitFor(accountBucket(email), this.limits.perAccount, now),
    ]);
    return Math.max(...waits);
  }

  async recordFailure(ip: string, email: string): Promise<void> {
    const now = this.clock.now();
    await this.storage.transaction(async (tx) => {
      await tx.db.deleteFrom('login_failures').where('failed_at', '<=', now - this.limits.windowMs).execute();
      await tx.db
        .insertInto('login_failures')
        .values([
          { bucket: ipBucket(ip), failed_at: now },
          { bucket: accountBucket(email), failed_at: now },
        ])
        .execute();
    });
  }

  /** A successful login forgives the account's earlier failures (not the IP's). */
  async recordSuccess(email: string): Promise<void> {
    await this.storage.db.deleteFrom('login_failures').where('bucket', '=', accountBucket(email)).execute();
  }

  private async waitFor(bucket: string, limit: number, now: number): Promise<number> {
    const rows = await this.storage.db
      .selectFrom('login_failures')
      .select('failed_at')
      .where('bucket', '=', bucket)
      .where('failed_at', '>', now - this.limits.windowMs)
      .orderBy('failed_at', 'desc')
      .limit(limit)
      .execute();
    if (rows.length < limit) return 0;
    // Once the limit-th most recent failure leaves the window, one more try is allowed.
    return Math.max(1, rows[limit - 1]!.failed_at + this.limits.windowMs - now);
  }
}

const ipBucket = (ip: string): string => `ip:${ip}`;
// Hashed: the table would otherwise collect every email anyone ever typed.
const accountBucket = (email: string): string => `account:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

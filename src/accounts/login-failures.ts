import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../runtime/clock.js';
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

/**
 * Login limits. Attempts are throttled per (account, address), and per account across addresses;
 * never per address alone: everyone behind one office NAT shares an address, and one person's
 * typos there must not lock the others out. Failures on an account from everywhere slow its
 * logins down and refuse the addresses that took part, so an attacker cannot lock the owner out
 * from an address that has not failed.
 */
export interface LoginLimits {
  readonly windowMs: number;
  /** Attempts per window at one account from one address (a success forgives them). */
  readonly perAccountAndIp: number;
  /** Account-wide failures per window after which an address that has failed at the account is refused. */
  readonly accountLockAfter: number;
  /** Account-wide failures (all addresses) after which each check waits… */
  readonly slowAfter: number;
  /** …this long, doubling with every further failure… */
  readonly slowBaseMs: number;
  /** …up to this. */
  readonly slowMaxMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = Object.freeze({
  windowMs: 15 * 60_000,
  perAccountAndIp: 5,
  accountLockAfter: 20,
  slowAfter: 5,
  slowBaseMs: 250,
  slowMaxMs: 2_000,
});

/**
 * Counts login attempts in the database (so every process shares the count) against the app clock.
 * An attempt is reserved with one atomic upsert before the password is checked, so parallel
 * guesses cannot all slip in between a read and a write. Unknown emails are counted like known
 * ones, so a 429 reveals nothing about which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /**
   * Reserves one attempt for this address at this account. 0: go ahead (after waiting
   * `slowDownMs(email)`); otherwise how long until another attempt may be made (ms).
   */
  async reserve(ip: string, email: string): Promise<number> {
    const now = this.clock.now();
    const pair = await this.bump(pairBucket(email, ip), now);
    if (pair.attempts > this.limits.perAccountAndIp) return this.waitOf(pair, now);
    // An account under attack from many addresses: each address that already failed at it is
    // refused; an address trying it for the first time in the window (its owner, at home) is not.
    if (pair.attempts > 1) {
      const account = await this.accountFailures(email, now);
      if (account && account.attempts >= this.limits.accountLockAfter) return this.waitOf(account, now);
    }
    return 0;
  }

  /** How long to hold a check back because of the account's failures from every address. */
  async slowDownMs(email: string): Promise<number> {
    const failures = await this.accountFailures(email, this.clock.now());
    const excess = (failures?.attempts ?? 0) - this.limits.slowAfter;
    if (excess < 0) return 0;
    return Math.min(this.limits.slowMaxMs, this.limits.slowBaseMs * 2 ** Math.min(excess, 20));
  }

  /** A wrong password: the reserved attempts stay counted, and the account's failures grow. */
  async recordFailure(email: string): Promise<void> {
    const now = this.clock.now();
    await this.bump(accountBucket(email), now);
    // Expired windows are garbage; failures are rare enough to sweep them here.
    await this.storage.db.deleteFrom('login_attempts').where('window_started_at', '<=', now - this.limits.windowMs).execute();
  }

  /** A right password forgives this address's attempts at the account and the account's failures. */
  async recordSuccess(ip: string, email: string): Promise<void> {
    await this.storage.db.deleteFrom('login_attempts').where('bucket', 'in', [pairBucket(email, ip), accountBucket(email)]).execute();
  }

  /** The account's failures from every address in the current window (null: none). */
  private async accountFailures(email: string, now: number): Promise<{ attempts: number; windowStartedAt: number } | null> {
    const row = await this.storage.db
      .selectFrom('login_attempts')
      .select(['attempts', 'window_started_at'])
      .where('bucket', '=', accountBucket(email))
      .where('window_started_at', '>', now - this.limits.windowMs)
      .executeTakeFirst();
    return row ? { attempts: Number(row.attempts), windowStartedAt: Number(row.window_started_at) } : null;
  }

  /** One more attempt in the bucket's window (a new window when the old one is over), atomically. */
  private async bump(bucket: string, now: number): Promise<{ attempts: number; windowStartedAt: number }> {
    const stale = now - this.limits.windowMs;
    const result = await sql<{ attempts: number | string; window_started_at: number | string }>`
      INSERT INTO login_attempts (bucket, attempts, window_started_at) VALUES (${bucket}, 1, ${now})
      ON CONFLICT (bucket) DO UPDATE SET
        attempts = CASE WHEN login_attempts.window_started_at <= ${stale} THEN 1 ELSE login_attempts.attempts + 1 END,
        window_started_at = CASE WHEN login_attempts.window_started_at <= ${stale} THEN excluded.window_started_at ELSE login_attempts.window_started_at END
      RETURNING attempts, window_started_at`.execute(this.storage.db);
    const row = result.rows[0]!;
    return { attempts: Number(row.attempts), windowStartedAt: Number(row.window_started_at) };
  }

  private waitOf(bucket: { windowStartedAt: number }, now: number): number {
    return Math.max(1, bucket.windowStartedAt + this.limits.windowMs - now);
  }
}

// Hashed: the table would otherwise collect every email anyone ever typed.
const emailHash = (email: string): string => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
const accountBucket = (email: string): string => `account:${emailHash(email)}`;
const pairBucket = (email: string, ip: string): string => `account-ip:${emailHash(email)}:${ip}`;

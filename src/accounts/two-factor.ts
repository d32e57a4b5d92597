import type { Kysely } from 'kysely';
import { AppError, conflict, validationError } from '../errors.js';
import { renderQr } from '../qr/qr-code.js';
import type { Outbox } from '../events/outbox.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Tx } from '../storage/storage.js';
import type { Database } from '../storage/schema.js';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { accountBucket, RequestThrottle, type ThrottleLimit } from './request-throttle.js';
import { looksLikeTotp, newTotpSecret, otpauthUrl, totpStep } from './totp.js';
import type { AppContext } from '../assembly/context.js';

export interface TwoFactorDeps extends Pick<AppContext, 'storage' | 'clock'> {
  secrets: SecretBox;
  /** The issuer authenticator apps show beside the account (the product and the instance's host). */
  issuer: string;
  /** `security.2fa_enabled` / `security.2fa_disabled`, in each of the user's workspaces. */
  outbox: Outbox;
}

/** Who turned it on or off, for the event (never a code). */
export interface TwoFactorClient {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Code checks from a signed-in session (enable, disable, new recovery codes): a stolen session must
 * not be able to guess its way to turning 2FA off. Login codes count in the login throttle instead.
 */
const CODE_CHECKS_PER_USER: ThrottleLimit = { hits: 10, windowMs: 15 * 60_000 };

const WRONG_CODE = 'That code is wrong or was already used: enter the current code from your authenticator app, or an unused recovery code';

/**
 * TOTP two-factor sign-in (SPEC §2): setup, confirmation with one valid code, single-use recovery
 * codes, and the code check login uses. Secrets are sealed by the secret box; recovery codes are
 * stored as hashes; a TOTP code is accepted once (its step must be newer than the last one used).
 */
export class TwoFactorService {
  private readonly requests: RequestThrottle;

  constructor(private readonly deps: TwoFactorDeps) {
    this.requests = new RequestThrottle(deps.storage, deps.clock);
  }

  async isEnabled(userId: string): Promise<boolean> {
    const row = await this.deps.storage.db.selectFrom('two_factor').select('enabled_at').where('user_id', '=', userId).executeTakeFirst();
    return row?.enabled_at != null;
  }

  async status(userId: string): Promise<{ enabled: boolean; recovery_codes_left: number }> {
    const { db } = this.deps.storage;
    const enabled = await this.isEnabled(userId);
    const left = await db.selectFrom('recovery_codes').select((e) => e.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return { enabled, recovery_codes_left: enabled ? Number(left.n) : 0 };
  }

  /** A new secret waiting for its first code (replacing an unconfirmed one); CONFLICT while 2FA is on. */
  async setup(userId: string): Promise<{ otpauth_url: string; qr_svg: string }> {
    const { storage, clock, secrets, issuer } = this.deps;
    const user = await storage.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow();
    if (await this.isEnabled(userId)) throw conflict('Two-factor sign-in is already on; turn it off first to set up another authenticator');
    const secret = newTotpSecret();
    const sealed = secrets.seal(secret, userId);
    const now = clock.now();
    await storage.db
      .insertInto('two_factor')
      .values({ user_id: userId, secret: sealed, enabled_at: null, last_step: 0, created_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret: sealed, enabled_at: null, last_step: 0, created_at: now }))
      .execute();
    const url = otpauthUrl(secret, user.email, issuer);
    const qr = await renderQr(url, 'svg', 256);
    return { otpauth_url: url, qr_svg: qr.body.toString('utf8') };
  }

  /** Turns 2FA on with one valid code of the secret from setup; answers the ten recovery codes (shown only here). */
  async enable(userId: string, code: string, client: TwoFactorClient): Promise<{ recovery_codes: string[] }> {
    await this.limitChecks(userId);
    const row = await this.deps.storage.db.selectFrom('two_factor').select(['secret', 'enabled_at', 'last_step']).where('user_id', '=', userId).executeTakeFirst();
    if (!row) throw validationError('Start with POST /api/auth/2fa/setup: there is no authenticator waiting to be confirmed', { field: 'code' });
    if (row.enabled_at != null) throw conflict('Two-factor sign-in is already on');
    const step = totpStep(this.deps.secrets.open(row.secret, userId), code, this.deps.clock.now());
    if (step === null) throw validationError('That code is wrong: enter the 6-digit code your authenticator app shows now', { field: 'code' });
    return this.deps.storage.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const updated = await tx.db.updateTable('two_factor').set({ enabled_at: now, last_step: step }).where('user_id', '=', userId).where('enabled_at', 'is', null).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw conflict('Two-factor sign-in was just turned on');
      const recovery_codes = await replaceRecoveryCodes(tx.db, userId, now);
      await this.announce(tx, 'security.2fa_enabled', userId, client);
      return { recovery_codes };
    });
  }

  /** Turns 2FA off; needs a current code or a recovery code. */
  async disable(userId: string, code: string, client: TwoFactorClient): Promise<void> {
    await this.requireCode(userId, code);
    await this.deps.storage.transaction(async (tx) => {
      const removed = await tx.db.deleteFrom('two_factor').where('user_id', '=', userId).executeTakeFirst();
      await tx.db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (Number(removed.numDeletedRows) > 0) await this.announce(tx, 'security.2fa_disabled', userId, client);
    });
  }

  private async announce(tx: Tx, type: 'security.2fa_enabled' | 'security.2fa_disabled', userId: string, client: TwoFactorClient): Promise<void> {
    const user = await tx.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow();
    const memberships = await tx.db.selectFrom('memberships').select('workspace_id').where('user_id', '=', userId).execute();
    await this.deps.outbox.append(
      tx,
      memberships.map((m) => ({ type, workspaceId: m.workspace_id, data: { user_id: userId, email: user.email, ip: client.ip, user_agent: client.userAgent } })),
    );
  }

  /** Ten new recovery codes in place of the old ones; needs a current code or a recovery code. */
  async regenerateRecoveryCodes(userId: string, code: string): Promise<{ recovery_codes: string[] }> {
    await this.requireCode(userId, code);
    return this.deps.storage.transaction(async (tx) => ({ recovery_codes: await replaceRecoveryCodes(tx.db, userId, this.deps.clock.now()) }));
  }

  /**
   * Whether `code` signs this user in: a TOTP code of a step newer than the last one used, or an
   * unused recovery code (which this uses up). False when 2FA is off.
   */
  async verify(userId: string, code: string): Promise<boolean> {
    const { storage, clock, secrets } = this.deps;
    const trimmed = code.trim();
    if (!trimmed) return false;
    if (!looksLikeTotp(trimmed)) {
      if (!(await this.isEnabled(userId))) return false;
      const used = await storage.db.deleteFrom('recovery_codes').where('user_id', '=', userId).where('code_hash', '=', recoveryCodeHash(userId, trimmed)).executeTakeFirst();
      // Two requests with the same code: only the one whose delete removed it goes on.
      return Number(used.numDeletedRows) === 1;
    }
    const row = await storage.db.selectFrom('two_factor').select(['secret', 'enabled_at']).where('user_id', '=', userId).executeTakeFirst();
    if (row?.enabled_at == null) return false;
    const step = totpStep(secrets.open(row.secret, userId), trimmed, clock.now());
    if (step === null) return false;
    // Accepted once: the step must be newer than the last one accepted, checked and moved in one statement.
    const moved = await storage.db.updateTable('two_factor').set({ last_step: step }).where('user_id', '=', userId).where('last_step', '<', step).executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  private async requireCode(userId: string, code: string): Promise<void> {
    await this.limitChecks(userId);
    if (!(await this.isEnabled(userId))) throw validationError('Two-factor sign-in is not on for your account');
    if (!(await this.verify(userId, code))) throw validationError(WRONG_CODE, { field: 'code' });
  }

  private async limitChecks(userId: string): Promise<void> {
    const waitMs = await this.requests.hit(accountBucket('two-factor', userId), CODE_CHECKS_PER_USER);
    if (waitMs === 0) return;
    const seconds = Math.ceil(waitMs / 1000);
    throw new AppError('RATE_LIMITED', `Too many two-factor code checks; try again in ${seconds} s`, { retry_after_s: seconds });
  }
}

async function replaceRecoveryCodes(db: Kysely<Database>, userId: string, now: number): Promise<string[]> {
  const codes = newRecoveryCodes();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(codes.map((code) => ({ code_hash: recoveryCodeHash(userId, code), user_id: userId, created_at: now })))
    .execute();
  return codes;
}

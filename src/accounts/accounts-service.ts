import { toIso } from '../runtime/clock.js';
import { AppError, conflict, notFound, validationError } from '../errors.js';
import { MailQueue } from '../mail/mail-queue.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { Workspace } from './account-schema.js';
import { LoginThrottle, type LoginLimits } from './login-failures.js';
import { consumeToken } from './one-time-tokens.js';
import { accountBucket, ACCOUNT_ROUTE_LIMITS, addressBucket, RequestThrottle } from './request-throttle.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import type { PlanTable } from './plans.js';
import { API_KEY_PREFIX, hashToken, newSecretToken } from './tokens.js';
import { DEFAULT_SETTINGS, parseSettings, renderWorkspace } from './workspace-model.js';
import { SecretBox } from '../secrets/secret-box.js';
import { TwoFactorService } from './two-factor.js';
import { normaliseEmail } from './email-address.js';
import { readWorkspacePatch, type WorkspacePatch } from './workspace-patch.js';
import { notifyWorkspaceChanged } from '../storage/signals.js';
import type { AppContext } from '../assembly/context.js';

const SESSION_TTL_MS = 30 * 86_400_000;

export interface AccountsDeps extends AppContext {
  plans: PlanTable;
  /** Failed-login rate limits; defaults to DEFAULT_LOGIN_LIMITS. */
  loginLimits?: LoginLimits;
  /** Where reset mails go; the app's (which wakes its sender); a plain queue otherwise (the CLI). */
  mail?: MailQueue;
  /** Seals TOTP secrets; by default one over the config's key (LINKWIRE_SECRET_KEY or the key file). */
  secrets?: SecretBox;
}

/** Who sent a request, for the per-address limits. */
export interface RequestClient {
  ip: string;
  userAgent?: string | null;
}

const INVALID_LINK = 'This link is invalid, has expired or was already used; ask for a new one';

export class AccountsService {
  private readonly throttle: LoginThrottle;
  private readonly requests: RequestThrottle;
  private readonly mail: MailQueue;
  /** Two-factor sign-in: its routes use it directly, login asks it for the code. */
  readonly twoFactor: TwoFactorService;

  constructor(private readonly deps: AccountsDeps) {
    this.twoFactor = new TwoFactorService({
      storage: deps.storage,
      clock: deps.clock,
      secrets: deps.secrets ?? new SecretBox(deps.config),
      issuer: `Linkwire (${deps.config.defaultDomain})`,
      outbox: deps.outbox,
    });
    this.throttle = new LoginThrottle(deps.storage, deps.clock, deps.loginLimits);
    this.requests = new RequestThrottle(deps.storage, deps.clock);
    this.mail = deps.mail ?? new MailQueue(deps.ids, deps.clock);
  }

  /**
   * A new account with its own workspace. `client` (the API) is limited per address before the
   * password is hashed; the operator's CLI has none. Pending invitations are not accepted here: only
   * the invitation's link proves the address (POST /api/auth/accept-invite).
   */
  async signup(input: { email: string; password: string; workspace_name?: string | undefined }, client?: RequestClient) {
    const { storage, clock, ids, config } = this.deps;
    const email = normaliseEmail(input.email);
    // Invited people join through their invitation's link, which creates their account even here.
    if (!config.signupOpen) throw new AppError('FORBIDDEN', 'Signup is closed on this Linkwire; ask a workspace admin for an invitation');
    if (client) await this.limit(addressBucket('signup', client.ip), { hits: config.signupsPerAddressPerHour, windowMs: 3_600_000 }, 'signups from this address');
    const passwordHash = await hashPassword(input.password);
    const now = clock.now();
    const userId = ids.next('usr');
    const workspaceId = ids.next('ws');
    const apiKey = newSecretToken(API_KEY_PREFIX);
    const keyId = ids.next('key');
    const workspaceRow = {
      id: workspaceId,
      name: input.workspace_name ?? `${email.split('@')[0] ?? 'My'}'s workspace`,
      plan: config.defaultPlan,
      settings: JSON.stringify(DEFAULT_SETTINGS),
      created_at: now,
      updated_at: now,
    };
    try {
      await storage.transaction(async (tx) => {
        await tx.db.insertInto('users').values({ id: userId, email, password_hash: passwordHash, created_at: now }).execute();
        await tx.db.insertInto('workspaces').values(workspaceRow).execute();
        await tx.db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: userId, role: 'owner', added_at: now }).execute();
        await tx.db
          .insertInto('api_keys')
          .values({
            id: keyId,
            workspace_id: workspaceId,
            name: 'Default key',
            key_hash: hashToken(apiKey),
            key_prefix: apiKey.slice(0, API_KEY_PREFIX.length + 4),
            scopes: '[]',
            created_by: userId,
            created_at: now,
            last_used_at: null,
          })
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('An account with this email already exists');
      throw err;
    }
    return {
      user: { id: userId, email, created_at: toIso(now) },
      workspace: renderWorkspace(workspaceRow),
      api_key: apiKey,
    };
  }

  /**
   * Returns a session token; `failedUserId` for a wrong email or password (the caller answers 401 either
   * way); `retryAfterMs` while this IP or account has too many recent failures (checked before the password).
   * `workspace_id` picks which of the user's workspaces the session opens; default: the oldest membership.
   * With two-factor sign-in on, the password alone answers `twoFactorRequired` (ask for `code`); a wrong
   * code is a failure like a wrong password (`wrongCode` says which). A session opened in a workspace
   * that requires 2FA by a user without it carries `twoFactorSetupRequired`: it may only set 2FA up.
   */
  async login(
    input: { email: string; password: string; workspace_id?: string | undefined; code?: string | undefined },
    client: { ip: string } = { ip: 'unknown' },
  ): Promise<
    | { token: string; userId: string; workspaceId: string; twoFactorSetupRequired: boolean }
    | { failedUserId: string | null; wrongCode?: true }
    | { retryAfterMs: number }
    | { twoFactorRequired: true }
  > {
    const { storage, clock } = this.deps;
    const email = normaliseEmail(input.email);
    // The attempt is reserved before the password is looked at: parallel guesses cannot outrun the count.
    const retryAfterMs = await this.throttle.reserve(client.ip, email);
    if (retryAfterMs > 0) return { retryAfterMs };
    const slowDown = await this.throttle.slowDownMs(email);
    if (slowDown > 0) await new Promise((resolve) => setTimeout(resolve, slowDown));
    const user = await storage.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    if (!user) {
      await burnPasswordCheck(input.password);
      await this.throttle.recordFailure(email);
      return { failedUserId: null };
    }
    if (!(await verifyPassword(input.password, user.password_hash))) {
      await this.throttle.recordFailure(email);
      return { failedUserId: user.id };
    }
    let memberships = storage.db
      .selectFrom('memberships')
      .select('workspace_id')
      .where('user_id', '=', user.id)
      // Invites accepted at signup share its added_at: the user's own (newest) workspace wins the tie.
      .orderBy('added_at')
      .orderBy('workspace_id', 'desc');
    if (input.workspace_id !== undefined) memberships = memberships.where('workspace_id', '=', input.workspace_id);
    const membership = await memberships.executeTakeFirst();
    if (!membership && input.workspace_id !== undefined) throw new AppError('FORBIDDEN', 'You are not a member of that workspace');
    if (!membership) return { failedUserId: user.id };
    const twoFactorOn = await this.twoFactor.isEnabled(user.id);
    if (twoFactorOn) {
      // The reserved attempt stays counted until the code is right.
      if (input.code === undefined || input.code.trim() === '') return { twoFactorRequired: true };
      if (!(await this.twoFactor.verify(user.id, input.code))) {
        await this.throttle.recordFailure(email);
        return { failedUserId: user.id, wrongCode: true };
      }
    }
    await this.throttle.recordSuccess(client.ip, email);
    const token = newSecretToken('lws_');
    const now = clock.now();
    await storage.db
      .insertInto('sessions')
      .values({ id: hashToken(token), user_id: user.id, workspace_id: membership.workspace_id, created_at: now, expires_at: now + SESSION_TTL_MS })
      .execute();
    const twoFactorSetupRequired = !twoFactorOn && (await this.requiresTwoFactor(membership.workspace_id));
    return { token, userId: user.id, workspaceId: membership.workspace_id, twoFactorSetupRequired };
  }

  /** Whether the workspace's owners require two-factor sign-in of its members (`settings.require_2fa`). */
  async requiresTwoFactor(workspaceId: string): Promise<boolean> {
    const row = await this.deps.storage.db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirst();
    return row ? parseSettings(row.settings).require_2fa : false;
  }

  /**
   * Accepts an invitation: the token (from the mail) proves the address. Someone new sets their
   * password and gets an account; someone who has one since confirms it with their password. Joins
   * the workspace with the invited role and opens a session there. `member.added` is not emitted
   * again: it fired when the invitation was made (SPEC §2).
   */
  async acceptInvite(input: { token: string; password: string }, client: RequestClient): Promise<{ token: string; userId: string; workspaceId: string }> {
    const { storage, clock, ids } = this.deps;
    await this.limit(addressBucket('accept-invite', client.ip), ACCOUNT_ROUTE_LIMITS.acceptPerAddress, 'invitation attempts from this address');
    // A look first (nothing changes), so the slow password work happens outside the transaction.
    const peek = await storage.db
      .selectFrom('auth_tokens as t')
      .innerJoin('invites as i', 'i.id', 't.subject')
      .select(['i.email'])
      .where('t.token_hash', '=', hashToken(input.token))
      .where('t.kind', '=', 'invite')
      .where('t.expires_at', '>', clock.now())
      .executeTakeFirst();
    if (!peek) {
      await burnPasswordCheck(input.password);
      throw validationError(INVALID_LINK, { field: 'token' });
    }
    const existing = await storage.db.selectFrom('users').select(['id', 'password_hash']).where('email', '=', peek.email).executeTakeFirst();
    let newHash: string | null = null;
    if (existing) {
      if (!(await verifyPassword(input.password, existing.password_hash))) {
        throw new AppError('UNAUTHORIZED', `An account with ${peek.email} exists: enter its password to accept the invitation`, { field: 'password' });
      }
    } else {
      newHash = await hashPassword(input.password);
    }
    const session = newSecretToken('lws_');
    try {
      return await storage.transaction(async (tx) => {
        const now = clock.now();
        const inviteId = await consumeToken(tx.db, 'invite', input.token, now);
        const invite = inviteId ? await tx.db.selectFrom('invites').selectAll().where('id', '=', inviteId).executeTakeFirst() : undefined;
        if (!invite) throw validationError(INVALID_LINK, { field: 'token' });
        let userId = existing?.id;
        if (!userId) {
          userId = ids.next('usr');
          await tx.db.insertInto('users').values({ id: userId, email: invite.email, password_hash: newHash!, created_at: now }).execute();
        }
        const member = await tx.db.selectFrom('memberships').select('role').where('workspace_id', '=', invite.workspace_id).where('user_id', '=', userId).executeTakeFirst();
        if (!member) await tx.db.insertInto('memberships').values({ workspace_id: invite.workspace_id, user_id: userId, role: invite.role, added_at: now }).execute();
        await tx.db.deleteFrom('invites').where('id', '=', invite.id).execute();
        await tx.db
          .insertInto('sessions')
          .values({ id: hashToken(session), user_id: userId, workspace_id: invite.workspace_id, created_at: now, expires_at: now + SESSION_TTL_MS })
          .execute();
        return { token: session, userId, workspaceId: invite.workspace_id };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('This invitation was just accepted');
      throw err;
    }
  }

  /**
   * Queues a reset mail if an account has this address. The answer is the same either way (the route
   * answers 202), and so is the work: the same lookups and the same transaction, with or without the mail.
   */
  async forgotPassword(input: { email: string }, client: RequestClient): Promise<void> {
    const { storage } = this.deps;
    const email = normaliseEmail(input.email);
    await this.limit(addressBucket('forgot-password', client.ip), ACCOUNT_ROUTE_LIMITS.forgotPerAddress, 'password reset requests from this address');
    // Past the account's limit nothing is sent, silently: a 429 here would tell which addresses exist.
    const accountOk = (await this.requests.hit(accountBucket('forgot-password', email), ACCOUNT_ROUTE_LIMITS.forgotPerAccount)) === 0;
    await storage.transaction(async (tx) => {
      const user = await tx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (user && accountOk) await this.mail.enqueue(tx, [{ kind: 'password_reset', to: email, workspaceId: null, payload: { user_id: user.id } }]);
    });
  }

  /**
   * Sets a new password with a reset link's token, ends every session of the user (but the caller's
   * own, if it is one of theirs) and emits `security.password_reset` in each of their workspaces.
   */
  async resetPassword(input: { token: string; password: string }, client: RequestClient & { sessionToken?: string | undefined }): Promise<{ userId: string; sessionsEnded: number }> {
    const { storage, clock, outbox } = this.deps;
    await this.limit(addressBucket('reset-password', client.ip), ACCOUNT_ROUTE_LIMITS.resetPerAddress, 'password reset attempts from this address');
    const hash = await hashPassword(input.password);
    return storage.transaction(async (tx) => {
      const now = clock.now();
      const userId = await consumeToken(tx.db, 'reset', input.token, now);
      const user = userId ? await tx.db.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst() : undefined;
      if (!user) throw validationError(INVALID_LINK, { field: 'token' });
      await tx.db.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
      let ending = tx.db.deleteFrom('sessions').where('user_id', '=', user.id);
      if (client.sessionToken) ending = ending.where('id', '!=', hashToken(client.sessionToken));
      const ended = Number((await ending.executeTakeFirst()).numDeletedRows);
      const memberships = await tx.db.selectFrom('memberships').select('workspace_id').where('user_id', '=', user.id).execute();
      await outbox.append(
        tx,
        memberships.map((m) => ({
          type: 'security.password_reset' as const,
          workspaceId: m.workspace_id,
          data: { user_id: user.id, email: user.email, ip: client.ip, user_agent: client.userAgent ?? null, sessions_ended: ended },
        })),
      );
      return { userId: user.id, sessionsEnded: ended };
    });
  }

  /** RATE_LIMITED with Retry-After when `bucket` is over `limit`. */
  private async limit(bucket: string, limit: { hits: number; windowMs: number }, what: string): Promise<void> {
    const waitMs = await this.requests.hit(bucket, limit);
    if (waitMs === 0) return;
    const seconds = Math.ceil(waitMs / 1000);
    throw new AppError('RATE_LIMITED', `Too many ${what}; try again in ${seconds} s`, { retry_after_s: seconds });
  }

  /** The workspaces a user belongs to, oldest membership first (the dashboard's workspace picker). */
  async workspacesOf(userId: string): Promise<{ id: string; name: string; role: string }[]> {
    return this.deps.storage.db
      .selectFrom('memberships as m')
      .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
      .select(['w.id', 'w.name', 'm.role'])
      .where('m.user_id', '=', userId)
      .orderBy('m.added_at')
      .orderBy('w.id', 'desc')
      .execute();
  }

  /** Points a session at another of its user's workspaces; FORBIDDEN when the user is not a member. */
  async switchWorkspace(token: string, userId: string, workspaceId: string): Promise<void> {
    const { db } = this.deps.storage;
    const member = await db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!member) throw new AppError('FORBIDDEN', 'You are not a member of that workspace');
    await db.updateTable('sessions').set({ workspace_id: workspaceId }).where('id', '=', hashToken(token)).where('user_id', '=', userId).execute();
  }

  async logout(token: string): Promise<void> {
    await this.deps.storage.db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
  }

  async getWorkspace(workspaceId: string): Promise<Workspace> {
    const row = await this.deps.storage.db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirstOrThrow();
    return renderWorkspace(row);
  }

  /** Whether the user is one of the instance's operators (LINKWIRE_ADMIN_EMAILS), who alone may change plans. */
  async isOperator(userId: string | null): Promise<boolean> {
    if (userId === null || this.deps.config.adminEmails.size === 0) return false;
    const user = await this.deps.storage.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
    return user !== undefined && this.deps.config.adminEmails.has(normaliseEmail(user.email));
  }

  /**
   * An operator's plan change (the API after its operator check, and `linkwire admin set-plan`):
   * emits account.upgraded / account.downgraded like any plan change.
   */
  async setPlan(workspaceId: string, plan: string): Promise<Workspace> {
    const exists = await this.deps.storage.db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
    if (!exists) throw notFound('Workspace');
    return this.updateWorkspace(workspaceId, { plan });
  }

  async updateWorkspace(workspaceId: string, patch: WorkspacePatch): Promise<Workspace> {
    const { storage, clock, outbox, plans } = this.deps;
    const applySettings = readWorkspacePatch(patch, plans);
    return storage.transaction(async (tx) => {
      const row = await tx.db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirstOrThrow();
      const settings = parseSettings(row.settings);
      applySettings(settings);
      const next = {
        ...row,
        name: patch.name ?? row.name,
        plan: patch.plan ?? row.plan,
        settings: JSON.stringify(settings),
        updated_at: clock.now(),
      };
      await tx.db.updateTable('workspaces').set({ name: next.name, plan: next.plan, settings: next.settings, updated_at: next.updated_at }).where('id', '=', workspaceId).execute();
      const workspace = renderWorkspace(next);
      if (next.plan !== row.plan) {
        const before = plans.get(row.plan)?.rank ?? 0;
        const after = plans.get(next.plan)?.rank ?? 0;
        await outbox.append(tx, [
          { type: after >= before ? 'account.upgraded' : 'account.downgraded', workspaceId, data: { workspace, previous_plan: row.plan } },
        ]);
      }
      await notifyWorkspaceChanged(tx, workspaceId);
      return workspace;
    });
  }
}

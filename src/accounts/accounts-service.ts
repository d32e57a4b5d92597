import type { Clock } from '../clock.js';
import { toIso } from '../clock.js';
import type { Config } from '../config.js';
import { AppError, conflict, notFound, validationError } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { IdSource } from '../ids.js';
import { acceptInvites, hasPendingInvite } from '../members/invites.js';
import { parseCidr } from '../net/cidr.js';
import type { Storage } from '../storage/storage.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { Workspace } from './account-schema.js';
import { LoginThrottle, type LoginLimits } from './login-failures.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import type { PlanTable } from './plans.js';
import { API_KEY_PREFIX, hashToken, newSecretToken } from './tokens.js';
import { DEFAULT_SETTINGS, parseSettings, renderWorkspace } from './workspace-model.js';
import { canonicalTimeZone } from '../time-zone.js';

const SESSION_TTL_MS = 30 * 86_400_000;

export interface AccountsDeps {
  config: Config;
  storage: Storage;
  clock: Clock;
  ids: IdSource;
  outbox: Outbox;
  plans: PlanTable;
  /** Failed-login rate limits; defaults to DEFAULT_LOGIN_LIMITS. */
  loginLimits?: LoginLimits;
}

export class AccountsService {
  private readonly throttle: LoginThrottle;

  constructor(private readonly deps: AccountsDeps) {
    this.throttle = new LoginThrottle(deps.storage, deps.clock, deps.loginLimits);
  }

  async signup(input: { email: string; password: string; workspace_name?: string | undefined }) {
    const { storage, clock, ids, config, outbox } = this.deps;
    const email = normaliseEmail(input.email);
    // A closed Linkwire still lets invited people in.
    if (!config.signupOpen && !(await hasPendingInvite(storage.db, email))) throw new AppError('FORBIDDEN', 'Signup is closed on this Linkwire');
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
        await acceptInvites(tx, outbox, { id: userId, email, now });
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
   */
  async login(
    input: { email: string; password: string; workspace_id?: string | undefined },
    client: { ip: string } = { ip: 'unknown' },
  ): Promise<{ token: string; userId: string; workspaceId: string } | { failedUserId: string | null } | { retryAfterMs: number }> {
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
    await this.throttle.recordSuccess(client.ip, email);
    const token = newSecretToken('lws_');
    const now = clock.now();
    await storage.db
      .insertInto('sessions')
      .values({ id: hashToken(token), user_id: user.id, workspace_id: membership.workspace_id, created_at: now, expires_at: now + SESSION_TTL_MS })
      .execute();
    return { token, userId: user.id, workspaceId: membership.workspace_id };
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

  async updateWorkspace(
    workspaceId: string,
    patch: { name?: string | undefined; plan?: string | undefined; settings?: { include_click_ip?: boolean | undefined; excluded_ips?: string[] | undefined; timezone?: string | undefined } | undefined },
  ): Promise<Workspace> {
    const { storage, clock, outbox, plans } = this.deps;
    if (patch.plan !== undefined && !plans.get(patch.plan)) {
      throw validationError(`plan must be one of ${plans.names().join(', ')}`, { field: 'plan' });
    }
    const excluded = patch.settings?.excluded_ips;
    if (excluded) {
      const bad = excluded.filter((c) => !isCidr(c));
      if (bad.length) throw validationError(`settings.excluded_ips has invalid CIDRs: ${bad.join(', ')}`, { field: 'settings.excluded_ips', invalid: bad });
    }
    const timezone = patch.settings?.timezone;
    if (timezone !== undefined && canonicalTimeZone(timezone) === null) {
      throw validationError(`settings.timezone must be an IANA time zone name such as Europe/Paris or UTC (got "${timezone}")`, { field: 'settings.timezone' });
    }
    return storage.transaction(async (tx) => {
      const row = await tx.db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirstOrThrow();
      const settings = parseSettings(row.settings);
      if (timezone !== undefined) settings.timezone = canonicalTimeZone(timezone)!;
      if (patch.settings?.include_click_ip !== undefined) settings.include_click_ip = patch.settings.include_click_ip;
      if (excluded) settings.excluded_ips = excluded;
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
      await tx.notify('workspace_changed', workspaceId);
      return workspace;
    });
  }
}

/** Operator tasks (`linkwire admin …`): not reachable over HTTP. */
export class AccountAdmin {
  constructor(private readonly deps: Pick<AccountsDeps, 'storage'>) {}

  /** Sets a user's password and ends their sessions. */
  async resetPassword(email: string, password: string): Promise<{ user_id: string; email: string; sessions_ended: number }> {
    const { storage } = this.deps;
    const address = normaliseEmail(email);
    const user = await storage.db.selectFrom('users').select('id').where('email', '=', address).executeTakeFirst();
    if (!user) throw new AppError('NOT_FOUND', `No user with the email ${address}`);
    const hash = await hashPassword(password);
    const ended = await storage.transaction(async (tx) => {
      await tx.db.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
      const result = await tx.db.deleteFrom('sessions').where('user_id', '=', user.id).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    return { user_id: user.id, email: address, sessions_ended: ended };
  }

  /** Every workspace with its plan, owner and size, oldest first. */
  async listWorkspaces(): Promise<{ id: string; name: string; plan: string; owner_email: string | null; members: number; links: number; created_at: string }[]> {
    const db = this.deps.storage.db;
    const rows = await db
      .selectFrom('workspaces as w')
      .select((eb) => [
        'w.id',
        'w.name',
        'w.plan',
        'w.created_at',
        eb
          .selectFrom('memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select('u.email')
          .whereRef('m.workspace_id', '=', 'w.id')
          .where('m.role', '=', 'owner')
          .orderBy('m.added_at')
          .limit(1)
          .as('owner_email'),
        eb.selectFrom('memberships as m').select((e) => e.fn.countAll<number>().as('n')).whereRef('m.workspace_id', '=', 'w.id').as('members'),
        eb.selectFrom('links as l').select((e) => e.fn.countAll<number>().as('n')).whereRef('l.workspace_id', '=', 'w.id').as('links'),
      ])
      .orderBy('w.created_at')
      .orderBy('w.id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, plan: r.plan, owner_email: r.owner_email ?? null, members: Number(r.members ?? 0), links: Number(r.links ?? 0), created_at: toIso(r.created_at) }));
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** Moved to storage/unique-violation.ts; kept here so existing imports compile. */
export { isUniqueViolation };

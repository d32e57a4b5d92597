import { createHmac, timingSafeEqual } from 'node:crypto';
import { normaliseEmail } from '../accounts/email-address.js';
import { dropTokens } from '../accounts/one-time-tokens.js';
import { canonicalRole } from '../accounts/permissions.js';
import { openSession } from '../accounts/sessions.js';
import { hashToken, newSecretToken } from '../accounts/tokens.js';
import { DEFAULT_SETTINGS, parseSettings } from '../accounts/workspace-model.js';
import type { AppContext } from '../assembly/context.js';
import { AppError, validationError } from '../errors.js';
import { renderMember } from '../members/member-model.js';
import type { Tx } from '../storage/storage.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { FlowChecks, OidcClient, SignedInIdentity } from './oidc-client.js';

/** A sign-in must come back from the provider within this. */
export const SSO_FLOW_TTL_MS = 10 * 60_000;
/** The password hash of an account made by single sign-on: no password matches it (it is not a scrypt hash). */
export const NO_PASSWORD = '!sso';

export interface SsoSession {
  token: string;
  userId: string;
  workspaceId: string;
  /** Where the dashboard goes now: the `next` the sign-in started with, if it was a path of ours. */
  next: string | null;
  /** How the user came to a workspace: an existing membership, an invitation, a domain rule, or a new workspace. */
  joined: 'member' | 'invitation' | 'domain' | 'own_workspace';
}

/**
 * Single sign-on with an OpenID provider. A sign-in's secrets live with the browser that started it:
 * one random value in a short-lived HttpOnly cookie, from which the PKCE verifier, state and nonce
 * are derived. The server keeps only the value's SHA-256 (with the `next` page and an expiry), and
 * deletes it when the provider's answer comes back, so a sign-in finishes once, in the browser that
 * began it, within ten minutes — and the database never holds what could finish one.
 */
export class SsoService {
  constructor(private readonly deps: AppContext & { oidc: OidcClient }) {}

  get providerName(): string {
    return this.deps.config.oidc!.name;
  }

  /** Starts a sign-in: the cookie value to set and the provider URL to send the browser to. */
  async begin(next: string | null): Promise<{ flowSecret: string; authorizationUrl: URL }> {
    const { storage, clock, oidc } = this.deps;
    const flowSecret = newSecretToken('lwo_');
    const authorizationUrl = await oidc.authorizationUrl(flowChecks(flowSecret));
    const now = clock.now();
    // Old unfinished sign-ins go as new ones start: the table stays as small as the sign-ins in flight.
    await storage.db.deleteFrom('oidc_logins').where('expires_at', '<=', now).execute();
    await storage.db
      .insertInto('oidc_logins')
      .values({ id: hashToken(flowSecret), next_path: next, created_at: now, expires_at: now + SSO_FLOW_TTL_MS })
      .execute();
    return { flowSecret, authorizationUrl };
  }

  /**
   * Finishes a sign-in from the provider's redirect: the flow must be this browser's (cookie),
   * unfinished and unexpired, and the answer's state must be the flow's (checked before the code is
   * spent); the provider's ID token must carry the flow's nonce and a verified email.
   */
  async finish(flowSecret: string | undefined, answer: URLSearchParams): Promise<SsoSession> {
    const { storage, clock, oidc } = this.deps;
    // The redirect URI the sign-in was started with, and the provider's answer.
    const callbackUrl = new URL(oidc.redirectUri);
    callbackUrl.search = answer.toString();
    if (!flowSecret) throw validationError('No sign-in was started in this browser (its cookie is missing or expired); start again from the login page');
    const row = await storage.db.selectFrom('oidc_logins').selectAll().where('id', '=', hashToken(flowSecret)).executeTakeFirst();
    const deleted = row ? await storage.db.deleteFrom('oidc_logins').where('id', '=', row.id).executeTakeFirst() : undefined;
    if (!row || Number(deleted?.numDeletedRows ?? 0) === 0) throw validationError('This sign-in was already finished or never started here; start again from the login page');
    if (Number(row.expires_at) <= clock.now()) throw validationError('This sign-in took longer than 10 minutes; start again from the login page');
    const checks = flowChecks(flowSecret);
    const error = callbackUrl.searchParams.get('error');
    const state = callbackUrl.searchParams.get('state');
    // An answer for another sign-in (or forged) is refused before its code is spent (login CSRF).
    if (error === null && (state === null || !sameText(state, checks.state))) {
      throw validationError('The provider’s answer does not belong to the sign-in this browser started (state mismatch); start again from the login page');
    }
    const identity = await oidc.finish(callbackUrl, checks);
    const email = verifiedEmail(identity);
    const session = await this.signIn(email);
    return { ...session, next: row.next_path };
  }

  /**
   * The user with this (verified) email, made if new; their pending invitations accepted; a new user
   * with no invitation joins the workspaces that take their email domain, else gets their own
   * workspace (when signup is open). Opens a session in the first of their workspaces.
   */
  private async signIn(email: string): Promise<Omit<SsoSession, 'next'>> {
    const { storage, clock, ids, config } = this.deps;
    try {
      return await storage.transaction(async (tx) => {
        const now = clock.now();
        let user = await tx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
        const isNew = !user;
        const userId = user?.id ?? ids.next('usr');
        if (!user) {
          await tx.db.insertInto('users').values({ id: userId, email, password_hash: NO_PASSWORD, created_at: now }).execute();
          user = { id: userId };
        }
        // The provider vouched for the address, as an invitation's link would have (SPEC §2).
        const invited = await this.acceptInvitations(tx, userId, email, now);
        let joined: SsoSession['joined'] = invited.length ? 'invitation' : 'member';
        let workspaceId = await firstWorkspace(tx, userId);
        if (!workspaceId) {
          const byDomain = await this.joinByDomain(tx, userId, email, now);
          if (byDomain.length) {
            joined = 'domain';
          } else if (config.signupOpen) {
            await this.ownWorkspace(tx, userId, email, now);
            joined = 'own_workspace';
          } else {
            throw new AppError(
              'FORBIDDEN',
              isNew
                ? `No workspace on this Linkwire takes ${email} yet and signup is closed: ask a workspace admin to invite you, then sign in again`
                : `${email} belongs to no workspace any more: ask a workspace admin to invite you again`,
            );
          }
          workspaceId = (await firstWorkspace(tx, userId))!;
        }
        const token = await openSession(tx.db, { userId, workspaceId, now });
        return { token, userId, workspaceId, joined };
      });
    } catch (err) {
      // Two first sign-ins of one person at once: the other made the account; this one may simply retry.
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'This account was being set up by another sign-in at the same moment; sign in again');
      throw err;
    }
  }

  /** Joins every workspace with a pending invitation for `email`, in the invited role; `member.added` fired when they were made. */
  private async acceptInvitations(tx: Tx, userId: string, email: string, now: number): Promise<string[]> {
    const invites = await tx.db.selectFrom('invites').selectAll().where('email', '=', email).execute();
    for (const invite of invites) {
      const member = await tx.db.selectFrom('memberships').select('role').where('workspace_id', '=', invite.workspace_id).where('user_id', '=', userId).executeTakeFirst();
      if (!member) await tx.db.insertInto('memberships').values({ workspace_id: invite.workspace_id, user_id: userId, role: canonicalRole(invite.role), added_at: now }).execute();
      await dropTokens(tx.db, 'invite', invite.id);
      await tx.db.deleteFrom('invites').where('id', '=', invite.id).execute();
    }
    return invites.map((i) => i.workspace_id);
  }

  /**
   * Joins, as a viewer, every workspace whose operators listed the email's domain in
   * `settings.sso_auto_join_domains`; `member.added` fires once in each.
   */
  private async joinByDomain(tx: Tx, userId: string, email: string, now: number): Promise<string[]> {
    const domain = email.slice(email.lastIndexOf('@') + 1);
    // A text match narrows the rows; the parsed settings decide (`acme.com` must not match `notacme.com`).
    const candidates = await tx.db.selectFrom('workspaces').select(['id', 'settings']).where('settings', 'like', `%"${domain.replace(/[%_\\]/g, '')}"%`).orderBy('created_at').orderBy('id').execute();
    const joined: string[] = [];
    for (const workspace of candidates) {
      if (!parseSettings(workspace.settings).sso_auto_join_domains.includes(domain)) continue;
      await tx.db.insertInto('memberships').values({ workspace_id: workspace.id, user_id: userId, role: 'viewer', added_at: now }).execute();
      const member = renderMember({ user_id: userId, email, role: 'viewer', added_at: now });
      await this.deps.outbox.append(tx, [{ type: 'member.added', workspaceId: workspace.id, data: { member } }]);
      joined.push(workspace.id);
    }
    return joined;
  }

  /** A workspace of their own, as signup makes (without the API key signup shows once: they make keys in the dashboard). */
  private async ownWorkspace(tx: Tx, userId: string, email: string, now: number): Promise<void> {
    const { ids, config } = this.deps;
    const workspaceId = ids.next('ws');
    await tx.db
      .insertInto('workspaces')
      .values({ id: workspaceId, name: `${email.split('@')[0] ?? 'My'}'s workspace`, plan: config.defaultPlan, settings: JSON.stringify(DEFAULT_SETTINGS), created_at: now, updated_at: now })
      .execute();
    await tx.db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: userId, role: 'owner', added_at: now }).execute();
  }
}

/** The PKCE verifier, state and nonce of a sign-in, derived from its cookie's secret (each 43 base64url characters). */
export function flowChecks(flowSecret: string): FlowChecks {
  const derive = (purpose: string) => createHmac('sha256', flowSecret).update(purpose).digest('base64url');
  return { codeVerifier: derive('pkce-verifier'), state: derive('state'), nonce: derive('nonce') };
}

/** The identity's email, lower-cased, if the provider says it verified it; else the sign-in is refused. */
function verifiedEmail(identity: SignedInIdentity): string {
  if (!identity.email) throw new AppError('UNAUTHORIZED', 'The provider did not share an email address; allow Linkwire the "email" scope at the provider');
  if (!identity.emailVerified) {
    throw new AppError('UNAUTHORIZED', `The provider has not verified ${identity.email} (email_verified is not true); verify the address at the provider, then sign in again`);
  }
  return normaliseEmail(identity.email);
}

/** The user's oldest membership, as the password login picks it. */
async function firstWorkspace(tx: Tx, userId: string): Promise<string | null> {
  const row = await tx.db.selectFrom('memberships').select('workspace_id').where('user_id', '=', userId).orderBy('added_at').orderBy('workspace_id', 'desc').executeTakeFirst();
  return row?.workspace_id ?? null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

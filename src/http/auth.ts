import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runAsActor, type Actor } from '../events/actor.js';
import type { MemberRole } from '../accounts/account-schema.js';
import { can, canonicalRole, refusal, type Permission } from '../accounts/permissions.js';
import { hashToken, SESSION_COOKIE } from '../accounts/tokens.js';
import type { Clock } from '../runtime/clock.js';
import { AppError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { Principal } from '../accounts/principal.js';
import { parseSettings } from '../accounts/workspace-model.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  // No prototype: a cookie named `__proto__` or `constructor` is a cookie, not a property of Object.
  const out = Object.create(null) as Record<string, string>;
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export function createAuthenticator(storage: Storage, clock: Clock) {
  const lastUsedWrites = new Map<string, number>();

  return async function authenticate(request: FastifyRequest): Promise<Principal> {
    const presented = presentedApiKey(request);
    if (presented !== null) {
      const key = await storage.db
        .selectFrom('api_keys')
        .select(['id', 'workspace_id', 'scopes', 'created_by'])
        .where('key_hash', '=', hashToken(presented))
        .executeTakeFirst();
      if (!key) throw new AppError('UNAUTHORIZED', 'API key is invalid or revoked');
      const now = clock.now();
      // last_used_at is informational: write it at most once a minute per key, off the request's path.
      if ((lastUsedWrites.get(key.id) ?? 0) < now - 60_000) {
        lastUsedWrites.set(key.id, now);
        void storage.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', key.id).execute().catch(() => undefined);
      }
      const member = key.created_by ? await memberOf(storage, key.workspace_id, key.created_by) : null;
      const role = key.created_by ? member?.role : 'owner';
      return {
        workspaceId: key.workspace_id,
        userId: key.created_by,
        email: member?.email ?? null,
        role: role ?? 'viewer',
        via: 'api_key',
        keyId: key.id,
        scopes: JSON.parse(key.scopes) as string[],
      };
    }
    const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    if (token) {
      const session = await storage.db
        .selectFrom('sessions')
        .select(['user_id', 'workspace_id', 'expires_at'])
        .where('id', '=', hashToken(token))
        .executeTakeFirst();
      if (session && session.expires_at > clock.now()) {
        const member = await memberOf(storage, session.workspace_id, session.user_id);
        if (member) {
          const principal: Principal = { workspaceId: session.workspace_id, userId: session.user_id, email: member.email, role: member.role, via: 'session', keyId: null, scopes: [] };
          if (await lacksRequiredTwoFactor(storage, session.workspace_id, session.user_id)) principal.twoFactorSetupRequired = true;
          return principal;
        }
      }
    }
    throw new AppError('UNAUTHORIZED', 'Send "Authorization: Bearer <api key>" (or "X-API-Key: <api key>") or log in');
  };
}

/**
 * The API key a request presents: `Authorization: Bearer <key>`, or `X-API-Key: <key>` as other
 * shorteners' clients send it (SPEC §5b); null for neither. A malformed header is a 401 that says
 * which form is expected. Authorization wins when both are sent.
 */
function presentedApiKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError('UNAUTHORIZED', 'Authorization header must be "Bearer <api key>"');
    return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  if (apiKey === undefined) return null;
  const value = (Array.isArray(apiKey) ? apiKey.join(',') : apiKey).trim();
  if (!/^\S+$/.test(value)) throw new AppError('UNAUTHORIZED', 'X-API-Key header must be exactly one API key');
  return value;
}

/**
 * Whether the workspace requires two-factor sign-in (`settings.require_2fa`) and the user has not
 * turned it on. Checked on every session request, not only at login: an owner may require it while
 * members are signed in. API keys are not asked: a key is not a sign-in.
 */
async function lacksRequiredTwoFactor(storage: Storage, workspaceId: string, userId: string): Promise<boolean> {
  const workspace = await storage.db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirst();
  if (!workspace || !parseSettings(workspace.settings).require_2fa) return false;
  const twoFactor = await storage.db.selectFrom('two_factor').select('enabled_at').where('user_id', '=', userId).executeTakeFirst();
  return twoFactor?.enabled_at == null;
}

/** Refuses a session that must set two-factor sign-in up first, except on the routes that do it (route config `twoFactorSetup`). */
export function assertTwoFactorSetUp(principal: Principal, routeConfig: { twoFactorSetup?: boolean } | undefined): void {
  if (principal.twoFactorSetupRequired && !routeConfig?.twoFactorSetup) {
    throw new AppError('TWO_FACTOR_SETUP_REQUIRED', 'This workspace requires two-factor sign-in: set it up on the Security page (POST /api/auth/2fa/setup) to continue');
  }
}

/** The user's role in the workspace and their email (events name who acted: SPEC §4 `actor`). */
async function memberOf(storage: Storage, workspaceId: string, userId: string): Promise<{ role: MemberRole; email: string } | null> {
  const row = await storage.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.role', 'users.email'])
    .where('memberships.workspace_id', '=', workspaceId)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst();
  return row ? { role: canonicalRole(row.role), email: row.email } : null;
}

/** Who an authenticated request acts as, for the events it causes. */
export function actorOf(principal: Principal): Actor {
  if (principal.via === 'api_key') return { type: 'api_key', id: principal.keyId, ...(principal.email ? { email: principal.email } : {}) };
  return { type: 'user', id: principal.userId, ...(principal.email ? { email: principal.email } : {}) };
}

/**
 * Runs each authenticated request's handler as its actor (events/actor.ts), so the events it
 * causes carry `actor`. A preHandler: after authentication (onRequest) and after the body was
 * read, whose stream callbacks do not carry the request's async context.
 */
export function installActorContext(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.principal) runAsActor(actorOf(request.principal), done);
    else done();
  });
}

/** The principal of an authenticated route; the auth hook guarantees it is set. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED', 'Not authenticated');
  return request.principal;
}

export function requireRole(request: FastifyRequest, ...roles: MemberRole[]): Principal {
  const principal = principalOf(request);
  if (!roles.includes(principal.role)) {
    throw new AppError('FORBIDDEN', `This action needs the ${roles.join(' or ')} role; you are ${principal.role}`);
  }
  return principal;
}

/** The principal, if its role has `permission` in the permission table (src/accounts/permissions.ts). */
export function requirePermission(request: FastifyRequest, permission: Permission): Principal {
  const principal = principalOf(request);
  if (!can(principal.role, permission)) throw new AppError('FORBIDDEN', refusal(principal.role, permission), { required_permission: permission, role: principal.role });
  return principal;
}

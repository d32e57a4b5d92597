import type { FastifyRequest } from 'fastify';
import type { MemberRole } from '../accounts/account-schema.js';
import { hashToken, SESSION_COOKIE } from '../accounts/tokens.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { Principal } from '../accounts/principal.js';

export type { Principal } from '../accounts/principal.js';

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
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw new AppError('UNAUTHORIZED', 'Authorization header must be "Bearer <api key>"');
      const key = await storage.db
        .selectFrom('api_keys')
        .select(['id', 'workspace_id', 'scopes', 'created_by'])
        .where('key_hash', '=', hashToken(match[1]))
        .executeTakeFirst();
      if (!key) throw new AppError('UNAUTHORIZED', 'API key is invalid or revoked');
      const now = clock.now();
      // last_used_at is informational: write it at most once a minute per key, off the request's path.
      if ((lastUsedWrites.get(key.id) ?? 0) < now - 60_000) {
        lastUsedWrites.set(key.id, now);
        void storage.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', key.id).execute().catch(() => undefined);
      }
      const role = key.created_by ? await roleOf(storage, key.workspace_id, key.created_by) : 'owner';
      return {
        workspaceId: key.workspace_id,
        userId: key.created_by,
        role: role ?? 'member',
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
        const role = await roleOf(storage, session.workspace_id, session.user_id);
        if (role) {
          return { workspaceId: session.workspace_id, userId: session.user_id, role, via: 'session', keyId: null, scopes: [] };
        }
      }
    }
    throw new AppError('UNAUTHORIZED', 'Send "Authorization: Bearer <api key>" or log in');
  };
}

async function roleOf(storage: Storage, workspaceId: string, userId: string): Promise<MemberRole | null> {
  const row = await storage.db
    .selectFrom('memberships')
    .select('role')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (row?.role as MemberRole | undefined) ?? null;
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

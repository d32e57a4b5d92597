import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { hashToken, newSecretToken, SESSION_COOKIE } from './tokens.js';

/** How long a dashboard session lasts (the password login's, the invitation's, single sign-on's). */
export const SESSION_TTL_MS = 30 * 86_400_000;

/**
 * Opens a dashboard session of `userId` in `workspaceId`: the same row the password login writes,
 * only its SHA-256 stored. Returns the token for the cookie.
 */
export async function openSession(db: Kysely<Database>, input: { userId: string; workspaceId: string; now: number }): Promise<string> {
  const token = newSecretToken('lws_');
  await db
    .insertInto('sessions')
    .values({ id: hashToken(token), user_id: input.userId, workspace_id: input.workspaceId, created_at: input.now, expires_at: input.now + SESSION_TTL_MS })
    .execute();
  return token;
}

/** The Set-Cookie value of a session, as the login route sets it. */
export function sessionCookie(token: string, secure: boolean): string {
  const cookie = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${SESSION_TTL_MS / 1000}`];
  if (secure) cookie.push('Secure');
  return cookie.join('; ');
}

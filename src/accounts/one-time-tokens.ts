import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { hashToken, newSecretToken } from './tokens.js';

/** What a token lets its holder do: join by an invitation (subject: invite id) or set a password (subject: user id). */
export type TokenKind = 'invite' | 'reset';

export const INVITE_TTL_MS = 7 * 86_400_000;
export const RESET_TTL_MS = 3_600_000;
const PREFIX: Record<TokenKind, string> = { invite: 'lwi_', reset: 'lwr_' };

/**
 * Mints a single-use token: only its SHA-256 is stored, the token itself goes into a mail (or to an
 * admin who copies the link) and nowhere else. A mail sent again replaces the tokens it minted before.
 */
export async function mintToken(
  db: Kysely<Database>,
  input: { kind: TokenKind; subject: string; now: number; ttlMs: number; mailId: string | null },
): Promise<{ token: string; expiresAt: number }> {
  const token = newSecretToken(PREFIX[input.kind]);
  const expiresAt = input.now + input.ttlMs;
  if (input.mailId) await db.deleteFrom('auth_tokens').where('mail_id', '=', input.mailId).execute();
  await db
    .insertInto('auth_tokens')
    .values({ token_hash: hashToken(token), kind: input.kind, subject: input.subject, mail_id: input.mailId, created_at: input.now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

/**
 * Uses a token: its subject if it is valid (right kind, not expired, not used), else null. Every
 * token of that subject ends with it, so an older mail's link cannot be used after a newer one was.
 * Call inside the transaction that does what the token allows.
 */
export async function consumeToken(db: Kysely<Database>, kind: TokenKind, token: string, now: number): Promise<string | null> {
  if (!token.startsWith(PREFIX[kind])) return null;
  const row = await db.selectFrom('auth_tokens').select(['subject', 'expires_at']).where('token_hash', '=', hashToken(token)).where('kind', '=', kind).executeTakeFirst();
  if (!row) return null;
  if (Number(row.expires_at) <= now) {
    await db.deleteFrom('auth_tokens').where('token_hash', '=', hashToken(token)).execute();
    return null;
  }
  const deleted = await db.deleteFrom('auth_tokens').where('kind', '=', kind).where('subject', '=', row.subject).executeTakeFirst();
  // Two requests with the same token: only the one whose delete removed it goes on.
  if (Number(deleted.numDeletedRows) === 0) return null;
  return row.subject;
}

/** Ends every token of a subject (an invitation revoked, a password changed another way). */
export async function dropTokens(db: Kysely<Database>, kind: TokenKind, subject: string): Promise<void> {
  await db.deleteFrom('auth_tokens').where('kind', '=', kind).where('subject', '=', subject).execute();
}

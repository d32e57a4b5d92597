import { createHash, randomBytes } from 'node:crypto';

/** API keys and session tokens are random strings; only their SHA-256 is stored. */
export function newSecretToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const API_KEY_PREFIX = 'lw_live_';
export const SESSION_COOKIE = 'lw_session';

import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/l/I

/** Paths the app itself answers on the default domain; a link may not take them. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(['api', 'healthz', 'readyz', 'metrics', 'docs', 'dashboard', 'assets', 'login', 'signup', 'logout', 'settings', 'links', 'static', 'favicon.ico', 'robots.txt', 'openapi.json', 'invite', 'reset', 'forgot-password']);

export function isReservedSlug(slug: string): boolean {
  return RESERVED_SLUGS.has(slug.toLowerCase());
}

/** 7 characters of a 57-letter alphabet: ~1.9e12 slugs, so collisions (retried) are rare. */
export function randomSlug(length = 7): string {
  let slug = '';
  for (let i = 0; i < length; i++) slug += ALPHABET[randomInt(ALPHABET.length)];
  return slug;
}

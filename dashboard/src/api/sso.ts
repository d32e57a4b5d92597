/** Single sign-on: whether the server has it, and where its button goes. */
import { get } from '../api';
import type { operations } from '../../../src/sdk/openapi-types.js';

export type SsoStatus = operations['getAuthOidc']['responses'][200]['content']['application/json'];

/** Whether single sign-on is on (LINKWIRE_OIDC_*) and the provider's name; anyone may ask. */
export const ssoStatus = () => get<SsoStatus>('/api/auth/oidc');

/**
 * The sign-in button's address: a whole-page visit (the provider's pages are not ours), which comes
 * back to `next` when the server agrees it is one of our pages.
 */
export function ssoStartHref(status: SsoStatus, next: string | null): string | null {
  if (!status.enabled || !status.start_url) return null;
  return next ? `${status.start_url}?next=${encodeURIComponent(next)}` : status.start_url;
}

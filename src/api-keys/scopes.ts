import { PERMISSIONS, type Permission } from '../accounts/permissions.js';

/**
 * API key scopes: the permissions of the permission table (src/accounts/permissions.ts). A key with
 * no scopes has the full access of its creator's role; a key with scopes reaches only the routes they
 * cover, and never more than its creator's role allows. `<area>:write` includes `<area>:read`.
 */
export const SCOPES = Object.keys(PERMISSIONS) as Permission[];
export type Scope = Permission;

const SCOPE_SET: ReadonlySet<string> = new Set(SCOPES);
export const isScope = (name: string): name is Scope => SCOPE_SET.has(name);

/** Route patterns (as Fastify names them) → the area whose scopes cover them; the most specific first. */
const AREAS: readonly (readonly [prefix: string, area: string])[] = [
  ['/api/links/:id/webhooks', 'webhooks'],
  ['/api/links', 'links'],
  // Analytics read the links' clicks: links:read covers them.
  ['/api/analytics', 'links'],
  ['/api/webhooks', 'webhooks'],
  ['/api/deliveries', 'webhooks'],
  ['/api/webhook-health', 'webhooks'],
  ['/api/webhook-filters', 'webhooks'],
  ['/api/webhook-formats', 'webhooks'],
  ['/api/domains', 'domains'],
  ['/api/events', 'events'],
  ['/api/event-types', 'events'],
  ['/api/workspace/members', 'members'],
  ['/api/workspace/api-keys', 'api_keys'],
  ['/api/workspace', 'workspace'],
  ['/api/integrations', 'integrations'],
  ['/api/track', 'conversions'],
];

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isReadMethod = (method: string): boolean => READ_METHODS.has(method.toUpperCase());

/** The scope a call needs, or null for a route no scope covers (scoped keys are refused there). */
export function requiredScope(method: string, routeUrl: string): Permission | null {
  const match = AREAS.find(([prefix]) => routeUrl === prefix || routeUrl.startsWith(`${prefix}/`));
  if (!match) return null;
  return `${match[1]}:${isReadMethod(method) ? 'read' : 'write'}` as Permission;
}

export function scopesCover(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  const [area, access] = needed.split(':');
  return access === 'read' && granted.includes(`${area}:write`);
}

/**
 * Who may do what: the one permission table. The API's access policy (src/api-keys/access-policy.ts),
 * scoped API keys (src/api-keys/scopes.ts: a scope names the same `<area>:<access>`) and the dashboard
 * (which hides or disables what a role cannot use, with the reason below) all read it.
 * Pure data with no imports, so the dashboard bundles it as it is.
 */
export const ROLE_NAMES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export const AREAS = ['links', 'webhooks', 'domains', 'events', 'members', 'api_keys', 'integrations', 'workspace', 'conversions'] as const;
export type Area = (typeof AREAS)[number];
export type Access = 'read' | 'write';
export type Permission = `${Area}:${Access}`;

const EVERYONE: readonly RoleName[] = ROLE_NAMES;
const MANAGERS: readonly RoleName[] = ['owner', 'admin'];
const MAKERS: readonly RoleName[] = ['owner', 'admin', 'editor'];

/**
 * Every role reads everything in its workspace. Editors make links, QR codes and webhooks (and use the
 * workspace's domains for their links); members, keys, domains, integrations and settings are the
 * managers'. What only an owner may do (make, demote or remove an owner) is checked where members change.
 */
export const PERMISSIONS: Readonly<Record<Permission, readonly RoleName[]>> = Object.freeze({
  'links:read': EVERYONE,
  'links:write': MAKERS,
  'webhooks:read': EVERYONE,
  'webhooks:write': MAKERS,
  'domains:read': EVERYONE,
  'domains:write': MANAGERS,
  'events:read': EVERYONE,
  'events:write': MAKERS,
  'members:read': EVERYONE,
  'members:write': MANAGERS,
  'api_keys:read': EVERYONE,
  'api_keys:write': MANAGERS,
  'integrations:read': EVERYONE,
  'integrations:write': MANAGERS,
  'workspace:read': EVERYONE,
  'workspace:write': MANAGERS,
  // A shop's server reporting leads and sales (POST /api/track/*) with a key scoped to just this.
  'conversions:read': EVERYONE,
  'conversions:write': MAKERS,
});

export function can(role: string, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly string[]).includes(role);
}

/** Why a role may not do something, in words (API error messages and the dashboard's disabled controls). */
export function refusal(role: string, permission: Permission): string {
  const allowed = PERMISSIONS[permission];
  const [area, access] = permission.split(':') as [Area, Access];
  const what = `${access === 'write' ? 'change' : 'see'} ${area.replace('_', ' ')}`;
  return `Your role (${role}) cannot ${what}; ${allowed.join(' or ')} can`;
}

/** `member`, the old name of the read-only role, is accepted as an alias of `viewer`. */
export function canonicalRole(role: string): RoleName {
  return role === 'member' ? 'viewer' : (role as RoleName);
}

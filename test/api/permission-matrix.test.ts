import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, PERMISSIONS, ROLE_NAMES, type RoleName } from '../../src/accounts/permissions.js';
import { requiredScope } from '../../src/api-keys/scopes.js';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { documentAndRoutes } from '../helpers/openapi.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

/** API routes no permission area covers, and why: every role (and no scoped key) may call them. */
const OPEN_TO_EVERY_ROLE = new Set([
  'GET /api/auth/workspaces', // the caller's own workspaces
  'POST /api/auth/switch-workspace', // the caller's own session
  // The signed-in person's own two-factor sign-in (sessions only: keys are refused by the route).
  'GET /api/auth/2fa',
  'POST /api/auth/2fa/setup',
  'POST /api/auth/2fa/enable',
  'POST /api/auth/2fa/disable',
  'POST /api/auth/2fa/recovery-codes',
  'GET /api/mail/status',
  'GET /api/mail/pending-resets', // operators only, checked by the route (not a role)
  'POST /api/mail/pending-resets/:id/link',
]);
/** Public routes (no authentication) and the event stream (an endless read, checked by its own tests). */
const NOT_WALKED = /^(POST \/api\/auth\/(signup|login|logout|accept-invite|forgot-password|reset-password)|GET \/api\/auth\/(session|oidc|oidc\/start|oidc\/callback)|GET \/api\/events\/stream)$/;

describe.each(DIALECTS)('every route × every role against the permission table on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  const routes: { method: string; url: string }[] = [];
  const registered: { method: string; url: string }[] = [];
  const sessions = new Map<RoleName, (method: string, path: string, body?: unknown) => ReturnType<typeof http>>();

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    // The routes as the server registers them.
    registered.push(...(await documentAndRoutes()).routes);
    const owner = await t.signup();
    for (const role of ROLE_NAMES) {
      const user = role === 'owner' ? owner : await t.signup();
      if (role !== 'owner') expect((await t.api('POST', '/api/workspace/members', { email: user.email, role }, owner.key)).status).toBe(201);
      const res = await http(t.url, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD, workspace_id: owner.workspaceId } });
      expect(res.status).toBe(200);
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      sessions.set(role, (method, path, body) => http(t.url, method, path, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(body === undefined ? {} : { body }) }));
    }
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  function apiRoutes(): { method: string; url: string }[] {
    if (routes.length) return routes;
    const seen = new Set<string>();
    for (const route of registered) {
      if (!route.url.startsWith('/api/') || route.method === 'HEAD') continue;
      const key = `${route.method} ${route.url}`;
      if (NOT_WALKED.test(key) || seen.has(key)) continue;
      seen.add(key);
      routes.push({ method: route.method, url: route.url });
    }
    return routes;
  }

  it('maps every API route to a permission, or lists it as open to every role', () => {
    const unmapped = apiRoutes()
      .filter((r) => requiredScope(r.method, r.url) === null)
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !OPEN_TO_EVERY_ROLE.has(r));
    expect(unmapped).toEqual([]);
    expect(apiRoutes().length).toBeGreaterThan(40);
  });

  it('refuses exactly what the table refuses, for each role on each route', async () => {
    const mismatches: string[] = [];
    for (const route of apiRoutes()) {
      const permission = requiredScope(route.method, route.url);
      // Ids that exist nowhere: an allowed call reaches the handler (400/404/…), a refused one never does.
      const path = route.url.replace(/:[a-z_]+/g, 'zz_nothing');
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      for (const role of ROLE_NAMES) {
        const res = await sessions.get(role)!(route.method, path, body);
        const refusedByPolicy = res.status === 403 && res.json().error?.details?.required_permission !== undefined;
        // Anyone may leave a workspace (DELETE their own membership); the handler narrows it.
        const expected = permission === null || can(role, permission) || (route.method === 'DELETE' && route.url === '/api/workspace/members/:user_id');
        if (refusedByPolicy === expected) mismatches.push(`${role} ${route.method} ${route.url}: ${res.status} ${res.text.slice(0, 120)} (table: ${expected ? 'allowed' : 'refused'})`);
        if (refusedByPolicy) expect(res.json().error.details).toEqual({ required_permission: permission, role });
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('lets an editor make links and webhooks, but not members, keys, domains or settings', async () => {
    const editor = sessions.get('editor')!;
    expect((await editor('POST', '/api/links', { url: 'https://example.com/editor' })).status).toBe(201);
    const hook = await editor('POST', '/api/webhooks', { name: 'editor hook', url: receiver.url, events: ['link.created'] });
    expect(hook.status, hook.text).toBe(201);
    expect((await editor('PATCH', `/api/webhooks/${hook.json().id}`, { name: 'renamed' })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/workspace/members', { email: `someone-${dialect}@example.com`, role: 'viewer' }],
      ['POST', '/api/workspace/api-keys', { name: 'mine' }],
      ['POST', '/api/domains', { hostname: `editor-${dialect}.lw.test` }],
      ['PATCH', '/api/workspace', { name: 'mine now' }],
      ['POST', '/api/integrations', { type: 'slack', name: 'x', settings: {} }],
    ] as const) {
      const res = await editor(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json().error.message).toMatch(/Your role \(editor\) cannot/);
    }
    // A viewer reads, and writes nothing.
    const viewer = sessions.get('viewer')!;
    expect((await viewer('GET', '/api/links')).status).toBe(200);
    expect((await viewer('POST', '/api/links', { url: 'https://example.com/viewer' })).status).toBe(403);
    expect((await viewer('POST', '/api/webhooks', { name: 'v', url: receiver.url, events: ['link.created'] })).status).toBe(403);
  });

  it('gives the table the shape SPEC §2 describes', () => {
    const writers = (area: string) => PERMISSIONS[`${area}:write` as keyof typeof PERMISSIONS];
    expect(writers('links')).toEqual(['owner', 'admin', 'editor']);
    expect(writers('webhooks')).toEqual(['owner', 'admin', 'editor']);
    for (const area of ['members', 'api_keys', 'workspace', 'domains', 'integrations']) expect(writers(area)).toEqual(['owner', 'admin']);
    for (const [permission, roles] of Object.entries(PERMISSIONS)) if (permission.endsWith(':read')) expect(roles).toEqual(ROLE_NAMES);
  });
});

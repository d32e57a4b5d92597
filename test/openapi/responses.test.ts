import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidrList } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { responseChecker, type ResponseChecker } from '../helpers/openapi.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/*
 * Real answers of the API compared with the document, with `additionalProperties: false` added
 * to every documented object: a field the server sends but the document leaves out fails here,
 * and so does a field the document promises that never arrives, or an undocumented status.
 */
describe.each(DIALECTS)('real responses match the OpenAPI document on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let checker: ResponseChecker;
  const problems: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    // Its user is an operator, so the hand-over of reset links (no SMTP here) is answered too.
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: parseCidrList('127.0.0.1/32'), adminEmails: new Set([`openapi-${dialect}@example.com`]) }, mailOptions: { pollMs: 100 } });
    checker = responseChecker((await http(t.url, 'GET', '/openapi.json')).json());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** One API call whose answer is checked against the document; returns status and body. */
  async function call(method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
    const res = await http(t.url, method, path, options);
    const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
    const body = isJson ? res.json() : undefined;
    problems.push(...checker.check(method, path, res.status, body));
    return { status: res.status, body, headers: res.headers };
  }

  it('the check itself notices an undocumented field, a missing field and an undocumented status', async () => {
    const { key } = await t.signup();
    const link = (await http(t.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/x' } })).json();
    expect(checker.check('GET', `/api/links/${link.id}`, 200, link)).toEqual([]);
    expect(checker.check('GET', `/api/links/${link.id}`, 200, { ...link, surprise: 1 }).join()).toMatch(/additional properties/);
    const { clicks: _clicks, ...withoutClicks } = link;
    expect(checker.check('GET', `/api/links/${link.id}`, 200, withoutClicks).join()).toMatch(/clicks/);
    expect(checker.check('GET', `/api/links/${link.id}`, 200, { ...link, domain: { nested: true } }).join()).toMatch(/domain/);
    expect(checker.check('GET', `/api/links/${link.id}`, 409, { error: { code: 'CONFLICT', message: 'x' } }).join()).toMatch(/status not documented/);
    expect(checker.check('GET', `/api/links/${link.id}`, 404, { error: { code: 'NOT_FOUND', message: 'x', extra: 1 } }).join()).toMatch(/additional/);
  });

  it('every main route answers exactly what the document describes, success and errors', async () => {
    const email = `openapi-${dialect}@example.com`;
    const signup = await call('POST', '/api/auth/signup', { body: { email, password: 'correct horse battery', workspace_name: 'Docs' } });
    expect(signup.status).toBe(201);
    const token = signup.body.api_key as string;
    expect((await call('POST', '/api/auth/signup', { body: { email, password: 'correct horse battery' } })).status).toBe(409);
    expect((await call('POST', '/api/auth/signup', { body: { email: 'nope' } })).status).toBe(400);
    expect((await call('POST', '/api/auth/login', { body: { email, password: 'wrong password!' } })).status).toBe(401);
    const login = await call('POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0]!;
    expect((await call('GET', '/api/workspace', { headers: { cookie } })).status).toBe(200);
    // The dashboard's session routes.
    expect((await call('GET', '/api/auth/session')).body.authenticated).toBe(false);
    expect((await call('GET', '/api/auth/session', { headers: { cookie } })).body.authenticated).toBe(true);
    const mine = await call('GET', '/api/auth/workspaces', { headers: { cookie } });
    expect(mine.status).toBe(200);
    expect((await call('POST', '/api/auth/switch-workspace', { headers: { cookie, origin: t.url }, body: { workspace_id: mine.body.data[0].id } })).status).toBe(204);
    expect((await call('POST', '/api/auth/logout', { headers: { cookie, origin: t.url } })).status).toBe(204);
    expect((await call('GET', '/api/links')).status).toBe(401);
    expect((await call('PATCH', '/api/workspace', { token, body: { name: 'Renamed', settings: { include_click_ip: true } } })).status).toBe(200);
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);

    // Links
    const link = await call('POST', '/api/links', { token, body: { url: 'https://example.com/a', slug: `docs-${dialect}`, tags: ['x'], rules: [{ what: 'device', matches: 'mobile', url: 'https://m.example.com' }] } });
    expect(link.status).toBe(201);
    const linkId = link.body.id as string;
    expect((await call('POST', '/api/links', { token, body: { url: 'https://example.com/b', slug: `docs-${dialect}` } })).status).toBe(409);
    expect((await call('POST', '/api/links', { token, body: { url: '' } })).status).toBe(400);
    expect((await call('GET', '/api/links?limit=1', { token })).status).toBe(200);
    expect((await call('GET', `/api/links/${linkId}`, { token })).status).toBe(200);
    expect((await call('GET', '/api/links/lnk_00000000000000000000000000', { token })).status).toBe(404);
    expect((await call('PATCH', `/api/links/${linkId}`, { token, body: { title: 'Docs', monitor: false } })).status).toBe(200);
    expect((await call('GET', `/api/links/${linkId}/stats?interval=24h`, { token })).status).toBe(200);
    expect((await call('GET', `/api/links/${linkId}/clicks?limit=5`, { token })).status).toBe(200);
    expect((await call('GET', `/api/analytics?link_id=${linkId}&bots=true`, { token })).status).toBe(200);
    expect((await call('GET', '/api/analytics?from=nope', { token })).status).toBe(400);
    expect((await call('GET', `/api/analytics/export?link_id=${linkId}`, { token })).status).toBe(200);
    expect((await call('GET', `/api/links/${linkId}/monitor`, { token })).status).toBe(200);
    expect((await call('GET', `/api/links/${linkId}/qr?format=svg`, { token })).status).toBe(200);
    const bulk = await call('POST', '/api/links/bulk', { token, body: { links: [{ url: 'https://example.com/1' }, { url: 'https://example.com/2' }] } });
    expect(bulk.status).toBe(201);
    expect((await call('POST', '/api/links/bulk-delete', { token, body: { ids: [bulk.body.data[0].id] } })).status).toBe(200);
    expect((await call('DELETE', `/api/links/${bulk.body.data[1].id}`, { token })).status).toBe(204);
    // A click, so the events list carries click events with their full payload.
    expect((await http(t.url, 'GET', `/docs-${dialect}`, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) Chrome/130.0 Safari/537.36' } })).status).toBe(302);

    // Conversions: a lead and a sale (new, then the same invoice again) from a conversions:write key.
    const tracked = await call('POST', '/api/links', { token, body: { url: 'https://shop.example/landing', track_conversions: true } });
    const landing = await http(t.url, 'GET', `/${tracked.body.slug}`, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) Chrome/130.0 Safari/537.36' } });
    const clickId = new URL(String(landing.headers.location)).searchParams.get('lw_click_id');
    await t.app.clicksSettled(); // a click is stored a moment after its redirect
    const shop = await call('POST', '/api/workspace/api-keys', { token, body: { name: 'shop', scopes: ['conversions:write'] } });
    const shopKey = shop.body.key as string;
    expect((await call('POST', '/api/track/lead', { token: shopKey, body: { click_id: clickId, customer_id: `cus_${dialect}` } })).status).toBe(201);
    expect((await call('POST', '/api/track/lead', { token: shopKey, body: { customer_id: `cus_${dialect}` } })).status).toBe(400);
    const sale = { customer_id: `cus_${dialect}`, amount: 4900, currency: 'EUR', invoice_id: `INV-${dialect}` };
    expect((await call('POST', '/api/track/sale', { token: shopKey, body: sale })).status).toBe(201);
    expect((await call('POST', '/api/track/sale', { token: shopKey, body: sale })).status).toBe(200);
    expect((await call('DELETE', `/api/workspace/api-keys/${shop.body.id}`, { token })).status).toBe(204);

    // Domains
    const domain = await call('POST', '/api/domains', { token, body: { hostname: `go-${dialect}.example.com` } });
    expect(domain.status).toBe(201);
    expect((await call('GET', '/api/domains', { token })).status).toBe(200);
    expect((await call('GET', `/api/domains/${domain.body.id}`, { token })).status).toBe(200);
    expect((await call('POST', `/api/domains/${domain.body.id}/verify`, { token })).status).toBe(200);
    expect((await call('DELETE', `/api/domains/${domain.body.id}`, { token })).status).toBe(204);

    // Members, keys, integrations
    expect((await call('POST', '/api/workspace/members', { token, body: { email: `invitee-${dialect}@example.com`, role: 'member' } })).status).toBe(201);
    expect((await call('GET', '/api/workspace/members', { token })).status).toBe(200);
    const invitee = encodeURIComponent(`invitee-${dialect}@example.com`);
    expect((await call('PATCH', `/api/workspace/members/${invitee}`, { token, body: { role: 'admin' } })).status).toBe(200);
    expect((await call('DELETE', `/api/workspace/members/${invitee}`, { token })).status).toBe(204);
    // Invitations and resets (no SMTP here: links are handed over by hand).
    expect((await call('POST', '/api/workspace/members', { token, body: { email: `joiner-${dialect}@example.com`, role: 'editor' } })).status).toBe(201);
    const joiner = encodeURIComponent(`joiner-${dialect}@example.com`);
    expect((await call('POST', `/api/workspace/members/${joiner}/resend`, { token })).status).toBe(202);
    const inviteLink = await call('POST', `/api/workspace/members/${joiner}/invitation-link`, { token });
    expect(inviteLink.status).toBe(201);
    const inviteToken = String(inviteLink.body.url).split('/').pop();
    expect((await call('POST', '/api/auth/accept-invite', { body: { token: inviteToken, password: 'correct horse battery' } })).status).toBe(200);
    expect((await call('POST', '/api/auth/accept-invite', { body: { token: inviteToken, password: 'correct horse battery' } })).status).toBe(400);
    expect((await call('GET', '/api/mail/status', { token })).body).toEqual({ smtp_configured: false, operator: true });
    expect((await call('POST', '/api/auth/forgot-password', { body: { email } })).status).toBe(202);
    const pending = await until('the logged reset request', async () => {
      const list = await call('GET', '/api/mail/pending-resets', { token });
      return list.body.data.length > 0 ? list.body.data : null;
    });
    const resetLink = await call('POST', `/api/mail/pending-resets/${pending[0].id}/link`, { token });
    expect(resetLink.status).toBe(201);
    expect((await call('POST', `/api/mail/pending-resets/${pending[0].id}/link`, { token })).status).toBe(409);
    const resetToken = String(resetLink.body.url).split('/').pop();
    expect((await call('POST', '/api/auth/reset-password', { body: { token: resetToken, password: 'correct horse battery' } })).status).toBe(204);
    expect((await call('POST', '/api/auth/reset-password', { body: { token: resetToken, password: 'correct horse battery' } })).status).toBe(400);
    const key = await call('POST', '/api/workspace/api-keys', { token, body: { name: 'ci', scopes: ['links:read'] } });
    expect(key.status).toBe(201);
    expect((await call('POST', '/api/workspace/api-keys', { token, body: { name: 'bad', scopes: ['nope'] } })).status).toBe(400);
    expect((await call('GET', '/api/workspace/api-keys', { token })).status).toBe(200);
    expect((await call('GET', `/api/workspace/api-keys/${key.body.id}`, { token })).status).toBe(200);
    expect((await call('POST', '/api/links', { token: key.body.key, body: { url: 'https://example.com' } })).status).toBe(403);
    expect((await call('DELETE', `/api/workspace/api-keys/${key.body.id}`, { token })).status).toBe(204);
    const integration = await call('POST', '/api/integrations', { token, body: { type: 'slack', name: 'Team', settings: { channel: '#links' } } });
    expect(integration.status).toBe(201);
    expect((await call('GET', '/api/integrations', { token })).status).toBe(200);
    expect((await call('GET', `/api/integrations/${integration.body.id}`, { token })).status).toBe(200);
    expect((await call('DELETE', `/api/integrations/${integration.body.id}`, { token })).status).toBe(204);

    // Webhooks and deliveries, to a real HTTPS receiver on 127.0.0.1
    const hook = await call('POST', '/api/webhooks', { token, body: { name: 'Docs', url: receiver.url, events: ['link.created'], retry: { mode: 'exponential', schedule_s: [60] } } });
    expect(hook.status).toBe(201);
    const hookId = hook.body.id as string;
    expect((await call('POST', '/api/webhooks', { token, body: { name: 'Bad', url: receiver.url, events: ['click'] } })).status).toBe(400);
    expect((await call('GET', '/api/webhooks', { token })).status).toBe(200);
    expect((await call('GET', `/api/webhooks/${hookId}`, { token })).status).toBe(200);
    expect((await call('PATCH', `/api/webhooks/${hookId}`, { token, body: { headers: { 'x-team': 'docs' } } })).status).toBe(200);
    expect((await call('POST', `/api/webhooks/${hookId}/rotate-secret`, { token, body: { grace_period_s: 60 } })).status).toBe(200);
    const test = await call('POST', `/api/webhooks/${hookId}/test`, { token, body: { type: 'link.clicked' } });
    expect(test.status).toBe(200);
    expect(test.body.success).toBe(true);
    expect((await call('GET', '/api/webhook-health', { token })).status).toBe(200);
    expect((await call('POST', '/api/webhook-filters/check', { token, body: { filter: 'data.click.bot = false' } })).status).toBe(200);
    expect((await call('GET', '/api/webhook-formats?type=link.clicked', { token })).status).toBe(200);
    expect((await call('POST', '/api/links', { token, body: { url: 'https://example.com/fires' } })).status).toBe(201);
    await until('a real delivery', async () => {
      const list = await call('GET', `/api/webhooks/${hookId}/deliveries?status=succeeded`, { token });
      return list.body.data.some((d: { test: boolean }) => !d.test);
    });
    const deliveries = await call('GET', `/api/webhooks/${hookId}/deliveries`, { token });
    const deliveryId = deliveries.body.data[0].id as string;
    expect((await call('GET', `/api/deliveries/${deliveryId}`, { token })).status).toBe(200);
    expect((await call('POST', `/api/deliveries/${deliveryId}/replay`, { token })).status).toBe(202);
    expect((await call('POST', `/api/webhooks/${hookId}/replay`, { token, body: { since: new Date(Date.now() - 3_600_000).toISOString(), status: 'all' } })).status).toBe(202);
    const linkHook = await call('POST', `/api/links/${linkId}/webhooks`, { token, body: { name: 'Per link', url: receiver.url, events: ['link.clicked'] } });
    expect(linkHook.status).toBe(201);
    expect((await call('GET', `/api/links/${linkId}/webhooks`, { token })).status).toBe(200);
    expect((await call('DELETE', `/api/links/${linkId}/webhooks/${linkHook.body.id}`, { token })).status).toBe(204);
    expect((await call('GET', `/api/webhooks/${linkHook.body.id}`, { token })).status).toBe(404); // detaching its only link deleted it
    expect((await call('DELETE', `/api/webhooks/${hookId}`, { token })).status).toBe(204);

    // Events: every one listed is checked against the Event union, payload included.
    expect((await call('GET', '/api/event-types', { token })).status).toBe(200);
    const events = await call('GET', '/api/events?limit=100', { token });
    expect(events.status).toBe(200);
    const types = new Set(events.body.data.map((e: { type: string }) => e.type));
    for (const type of ['link.created', 'link.updated', 'link.deleted', 'link.clicked', 'domain.added', 'domain.removed', 'member.added', 'member.role_changed', 'api_key.created', 'integration.connected', 'security.login_failed', 'security.password_reset']) {
      expect(types, type).toContain(type);
    }
    expect((await call('GET', '/api/events?type=nope', { token })).status).toBe(400);

    expect(problems).toEqual([]);

    // Every documented success answer was seen at least once.
    const document = (await http(t.url, 'GET', '/openapi.json')).json();
    const documentedSuccesses = Object.entries<Record<string, any>>(document.paths).flatMap(([path, item]) =>
      Object.entries<any>(item).flatMap(([method, op]) =>
        Object.keys(op.responses)
          // Not the non-JSON answers (the metrics text, the event stream): their own tests in test/surfaces check them.
          .filter((s) => /^2\d\d$/.test(s) && (!op.responses[s].content || op.responses[s].content['application/json']))
          .map((s) => `${method.toUpperCase()} ${path} ${s}`),
      ),
    );
    expect(documentedSuccesses.filter((s) => !checker.seen.has(s))).toEqual([]);
  });
});

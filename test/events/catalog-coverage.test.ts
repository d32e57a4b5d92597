import { URI, type TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import type { LinkMonitor } from '../../src/monitoring/link-monitor.js';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/**
 * Every type in the catalog is emitted by the product doing its real work, and every emitted
 * event validates against the JSON Schema that /api/event-types publishes for it.
 */
describe.each(DIALECTS)('the whole event catalog on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    dns = await startDnsServer({});
    t = await startTestApp(dialect, {
      clock: 'manual',
      config: { adminEmails: new Set(['owner@catalog.test']), geoHeader: 'cf-ipcountry', allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')], dnsServer: { host: dns.host, port: dns.port } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await dns?.close();
    await receiver?.close();
  });

  it('emits each of the documented event types (docs/events.md), all valid against their schemas', async () => {
    const clock = t.clock as ManualClock;
    // An operator (LINKWIRE_ADMIN_EMAILS), so that the plan changes below are allowed.
    const owner = await t.signup('owner@catalog.test');
    const key = owner.key;
    const api = (method: string, path: string, body?: unknown) => t.api(method, path, body, key);
    const visit = (slug: string, headers: Record<string, string> = {}, query = '') => http(t.url, 'GET', `/${slug}${query}`, { headers: { 'user-agent': UA, ...headers } });

    // Links: created, updated, clicked, qr.scanned, limit, geo, expiry, deleted, milestone.
    // Traffic alerts: 100 people in an hour (149 visits below) fires analytics.threshold once.
    const link = (await api('POST', '/api/links', { url: 'https://example.com/a', max_clicks: 150, geo_block: ['KP'], alerts: [{ clicks: 100, window_s: 3600 }] })).json();
    await api('PATCH', `/api/links/${link.id}`, { title: 'Renamed' });
    await visit(link.slug, {}, '?qr=1');
    await visit(link.slug, { 'cf-ipcountry': 'KP' });
    await Promise.all(Array.from({ length: 149 }, () => visit(link.slug)));
    const expiring = (await api('POST', '/api/links', { url: 'https://example.com/b', expires_at: new Date(clock.now() + 1000).toISOString() })).json();
    clock.advance(2000);
    await visit(expiring.slug);
    await api('DELETE', `/api/links/${expiring.id}`);

    // Monitoring: a destination on 127.0.0.1 that fails, then works.
    receiver.setResponder((r) => (r.path === '/target' && r.method === 'HEAD' && healthy === false ? { status: 503 } : { status: 200 }));
    let healthy = false;
    const monitored = (await api('POST', '/api/links', { url: receiver.urlFor('127.0.0.1', '/target'), monitor: true })).json();
    const monitor = t.app.jobs.find((j) => j.name === 'link-monitor') as LinkMonitor;
    await monitor.stop(); // driven by hand below
    await monitor.runOnce();
    healthy = true;
    clock.advance(10 * 60_000);
    await monitor.runOnce();
    await api('DELETE', `/api/links/${monitored.id}`);

    // Domains: added, verified through a TXT record on the local DNS server, removed.
    const domain = (await api('POST', '/api/domains', { hostname: `go-${dialect}.lw.test` })).json();
    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    expect((await api('POST', `/api/domains/${domain.id}/verify`)).json().verified).toBe(true);
    // An unknown slug on the verified domain is an orphan visit: link.not_found.
    expect((await http(t.url, 'GET', '/no-such-slug', { headers: { host: domain.hostname, 'user-agent': UA } })).status).toBe(404);
    await until('link.not_found', async () => (await api('GET', '/api/events?type=link.not_found')).json().data[0]);
    await api('DELETE', `/api/domains/${domain.id}`);

    // Members, keys, integrations, plans, login failures.
    const teammate = await t.signup();
    await api('POST', '/api/workspace/members', { email: teammate.email, role: 'member' });
    await api('PATCH', `/api/workspace/members/${teammate.userId}`, { role: 'admin' });
    await api('DELETE', `/api/workspace/members/${teammate.userId}`);
    await api('POST', '/api/workspace/api-keys', { name: 'ci' });
    await api('POST', '/api/integrations', { type: 'slack', name: 'Team Slack', settings: { channel: '#links' } });
    await api('PATCH', '/api/workspace', { plan: 'team' });
    await api('PATCH', '/api/workspace', { plan: 'pro' });
    expect((await http(t.url, 'POST', '/api/auth/login', { body: { email: owner.email, password: 'wrong password!' } })).status).toBe(401);
    // A password reset (no SMTP here: the operator hands the link over): security.password_reset.
    expect((await http(t.url, 'POST', '/api/auth/forgot-password', { body: { email: owner.email } })).status).toBe(202);
    const pending = await until('the logged reset request', async () => (await api('GET', '/api/mail/pending-resets')).json().data[0]);
    const resetUrl: string = (await api('POST', `/api/mail/pending-resets/${pending.id}/link`)).json().url;
    expect((await http(t.url, 'POST', '/api/auth/reset-password', { body: { token: resetUrl.split('/').pop(), password: 'correct horse battery' } })).status).toBe(204);

    // Two-factor sign-in turned on and off from a dashboard session: security.2fa_enabled, security.2fa_disabled.
    const signedIn = await http(t.url, 'POST', '/api/auth/login', { body: { email: owner.email, password: 'correct horse battery' } });
    const own = { cookie: String(signedIn.headers['set-cookie']).split(';')[0]!, 'sec-fetch-site': 'same-origin' };
    const setup = (await http(t.url, 'POST', '/api/auth/2fa/setup', { headers: own })).json();
    const totp = URI.parse(setup.otpauth_url) as TOTP;
    const enabled = await http(t.url, 'POST', '/api/auth/2fa/enable', { headers: own, body: { code: totp.generate({ timestamp: clock.now() }) } });
    expect(enabled.status).toBe(200);
    expect((await http(t.url, 'POST', '/api/auth/2fa/disable', { headers: own, body: { code: enabled.json().recovery_codes[0] } })).status).toBe(204);

    // Conversions: a lead and a sale from a shop's server, attributed to a tracked link's click.
    const tracked = (await api('POST', '/api/links', { url: 'https://shop.example/landing', track_conversions: true })).json();
    const landing = await visit(tracked.slug);
    const clickId = new URL(String(landing.headers.location)).searchParams.get('lw_click_id');
    // The click is stored a moment after its redirect (the journal is ingested in the background).
    await until('the tracked click is stored', async () => (await api('GET', `/api/links/${tracked.id}/clicks?limit=1`)).json().data.length > 0);
    const shopKey: string = (await api('POST', '/api/workspace/api-keys', { name: 'shop', scopes: ['conversions:write'] })).json().key;
    const track = (what: string, body: unknown) => t.api('POST', `/api/track/${what}`, body, shopKey);
    expect((await track('lead', { click_id: clickId, customer_id: 'cus_catalog' })).status).toBe(201);
    expect((await track('sale', { customer_id: 'cus_catalog', amount: 1200, currency: 'EUR', invoice_id: 'INV-catalog' })).status).toBe(201);

    // An endpoint that answers 410 is switched off: webhook.disabled.
    receiver.setResponder((r) => (r.path === '/gone' ? { status: 410 } : { status: 200 }));
    await api('POST', '/api/webhooks', { name: 'gone', url: receiver.urlFor('127.0.0.1', '/gone'), events: ['link.created'] });
    await api('POST', '/api/links', { url: 'https://example.com/c' });

    const events = await until('webhook.disabled', async () => {
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: any[]; next_cursor: string | null } = (await api('GET', `/api/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json();
        all.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      // The ingester decides traffic alerts after the clicks are recorded: wait for that too.
      return all.some((e) => e.type === 'webhook.disabled') && all.some((e) => e.type === 'analytics.threshold') ? all : null;
    });
    const validator = await eventValidator(t.url, key);
    expect(events.flatMap((e) => validator.check(e))).toEqual([]);
    const emitted = new Set(events.map((e) => e.type));
    expect([...EVENT_TYPES.map((e) => e.type)].filter((type) => !emitted.has(type))).toEqual([]);
    expect(validator.types.sort()).toEqual(EVENT_TYPES.map((e) => e.type).sort());
  }, 60_000);
});

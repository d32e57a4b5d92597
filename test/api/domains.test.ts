import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import type { DomainVerifier } from '../../src/domains/domain-verifier.js';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { http } from '../helpers/http.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** Every event of `types` in the workspace validates against its schema from /api/event-types. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(DIALECTS)('custom domains on %s', (dialect) => {
  let t: TestApp;
  let dns: TestDnsServer;
  let key: string;
  let verifier: DomainVerifier;
  const host = (name: string) => `${name}-${dialect}.lw.test`;
  const visit = (hostname: string, slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { host: hostname } });

  beforeAll(async () => {
    dns = await startDnsServer();
    t = await startTestApp(dialect, {
      clock: 'manual',
      config: { dnsServer: { host: dns.host, port: dns.port }, baseUrl: 'http://lnk.lw.test', defaultDomain: 'lnk.lw.test' },
    });
    ({ key } = await t.signup());
    verifier = t.app.jobs.find((j) => j.name === 'domain-verifier') as DomainVerifier;
  });
  afterAll(async () => {
    await t?.close();
    await dns?.close();
  });

  it('adds a domain with its TXT challenge, lower-cased, and refuses bad or taken host names', async () => {
    const res = await t.api('POST', '/api/domains', { hostname: `  ${host('Shop').toUpperCase()}. ` }, key);
    expect(res.status).toBe(201);
    const domain = res.json();
    expect(domain).toMatchObject({
      hostname: host('shop'),
      verified: false,
      verified_at: null,
      verification: { type: 'TXT', name: `_linkwire.${host('shop')}` },
    });
    expect(domain.id).toMatch(/^dom_[0-9a-z]{26}$/);
    expect(domain.verification.value).toMatch(/^linkwire-verify=[0-9a-f]{32}$/);
    expect(Date.parse(domain.created_at)).not.toBeNaN();
    expect((await t.api('GET', `/api/domains/${domain.id}`, undefined, key)).json()).toEqual(domain);

    for (const hostname of ['127.0.0.1', '::1', '[::1]', 'localhost', 'app.localhost', 'lnk.lw.test', 'single', 'https://x.lw.test/', 'a_b.lw.test', 'x.lw.test:8080', '-bad.lw.test', '1.2.3.4', '', 'a'.repeat(64) + '.lw.test']) {
      const bad = await t.api('POST', '/api/domains', { hostname }, key);
      expect(bad.status, hostname).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await t.api('POST', '/api/domains', { hostname: host('x'), extra: 1 }, key)).status).toBe(400);

    const dup = await t.api('POST', '/api/domains', { hostname: host('shop') }, key);
    expect(dup.status).toBe(409);
    expect(dup.json().error.code).toBe('CONFLICT');
    const { key: other } = await t.signup();
    // Another workspace may hold a pending claim too: the first to verify wins (test/hardening/domain-claims.test.ts).
    expect((await t.api('POST', '/api/domains', { hostname: host('SHOP') }, other)).status).toBe(201);

    const list = (await t.api('GET', '/api/domains', undefined, key)).json();
    expect(list).toEqual({ data: [domain], next_cursor: null });
    await expectValidEvents(t, key, ['domain.added']);
  });

  it('serves links on a domain only once its TXT record verifies, and stops when the record goes', async () => {
    const hostname = host('go');
    const domain = (await t.api('POST', '/api/domains', { hostname }, key)).json();
    const link = await t.api('POST', '/api/links', { url: 'https://dest.example/landing', domain: hostname, slug: 'promo' }, key);
    expect(link.status).toBe(201);
    expect(link.json().short_url).toBe(`http://${hostname}/promo`);

    // Unverified hosts are served as the default domain, which has no such slug.
    expect((await visit(hostname, 'promo')).status).toBe(404);
    const pending = await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key);
    expect(pending.status).toBe(200);
    expect(pending.json().verified).toBe(false);

    dns.set(domain.verification.name, { TXT: ['v=spf1 -all', 'linkwire-verify=wrong'] });
    expect((await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key)).json().verified).toBe(false);
    expect((await visit(hostname, 'promo')).status).toBe(404);

    dns.set(domain.verification.name, { TXT: ['v=spf1 -all', domain.verification.value] });
    const verified = await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key);
    expect(verified.status).toBe(200);
    expect(verified.json()).toMatchObject({ id: domain.id, verified: true, verified_at: new Date(t.clock.now()).toISOString() });
    expect(dns.queries.some((q) => q.name.toLowerCase() === domain.verification.name && q.type === 'TXT')).toBe(true);

    await eventually(async () => (await visit(hostname, 'promo')).status === 302, 'the verified domain to serve');
    const hit = await visit(`${hostname.toUpperCase()}:80`, 'promo');
    expect(hit.status).toBe(302);
    expect(hit.headers.location).toBe('https://dest.example/landing');
    // The default domain does not serve the custom domain's slug.
    expect((await visit('lnk.lw.test', 'promo')).status).toBe(404);

    // Verifying again changes nothing and emits nothing.
    await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key);
    const events = await expectValidEvents(t, key, ['domain.verified']);
    expect(events.filter((e) => e.type === 'domain.verified' && e.data.domain.id === domain.id)).toHaveLength(1);
    expect(events.find((e) => e.type === 'domain.verified').data.domain).toMatchObject({ hostname, verified: true });

    // The background check notices the record is gone.
    dns.delete(domain.verification.name);
    expect((await verifier.runOnce()).find((r) => r.id === domain.id)).toBeUndefined(); // not due yet
    (t.clock as ManualClock).advance(2 * 3_600_000);
    expect((await verifier.runOnce()).find((r) => r.id === domain.id)?.outcome).toBe('unverified');
    expect((await t.api('GET', `/api/domains/${domain.id}`, undefined, key)).json()).toMatchObject({ verified: false, verified_at: null });
    await eventually(async () => (await visit(hostname, 'promo')).status === 404, 'the unverified domain to stop serving');

    // …and picks it up again once the record is back.
    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    (t.clock as ManualClock).advance(10 * 60_000);
    expect((await verifier.runOnce()).find((r) => r.id === domain.id)?.outcome).toBe('verified');
    await eventually(async () => (await visit(hostname, 'promo')).status === 302, 'the re-verified domain to serve');
  });

  it('verifies pending domains in the background job, which is restartable', async () => {
    const domain = (await t.api('POST', '/api/domains', { hostname: host('bg') }, key)).json();
    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    await verifier.stop();
    verifier.start();
    await verifier.stop();
    (t.clock as ManualClock).advance(60_000);
    const results = await verifier.runOnce();
    expect(results.find((r) => r.id === domain.id)?.outcome).toBe('verified');
    expect((await t.api('GET', `/api/domains/${domain.id}`, undefined, key)).json().verified).toBe(true);
    verifier.start();
  });

  it('refuses to delete a domain its links use unless forced, which deletes them too', async () => {
    const hostname = host('del');
    const domain = (await t.api('POST', '/api/domains', { hostname }, key)).json();
    const link = (await t.api('POST', '/api/links', { url: 'https://x.example', domain: hostname, slug: 'gone' }, key)).json();
    const refused = await t.api('DELETE', `/api/domains/${domain.id}`, undefined, key);
    expect(refused.status).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'CONFLICT', details: { links: 1 } });
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, key)).status).toBe(200);

    expect((await t.api('DELETE', `/api/domains/${domain.id}?force=true`, undefined, key)).status).toBe(204);
    expect((await t.api('GET', `/api/domains/${domain.id}`, undefined, key)).status).toBe(404);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, key)).status).toBe(404);
    const events = await expectValidEvents(t, key, ['domain.removed', 'link.deleted']);
    expect(events.find((e) => e.type === 'domain.removed').data.domain).toMatchObject({ id: domain.id, hostname });

    const empty = (await t.api('POST', '/api/domains', { hostname: host('empty') }, key)).json();
    expect((await t.api('DELETE', `/api/domains/${empty.id}`, undefined, key)).status).toBe(204);
    expect((await t.api('DELETE', `/api/domains/${empty.id}`, undefined, key)).status).toBe(404);
    // A removed host name is free again.
    expect((await t.api('POST', '/api/domains', { hostname: host('empty') }, key)).status).toBe(201);
  });

  it("answers 404 for another workspace's domains and keeps lists apart", async () => {
    const domain = (await t.api('POST', '/api/domains', { hostname: host('private') }, key)).json();
    const { key: other } = await t.signup();
    for (const [method, path] of [
      ['GET', `/api/domains/${domain.id}`],
      ['POST', `/api/domains/${domain.id}/verify`],
      ['DELETE', `/api/domains/${domain.id}`],
      ['DELETE', `/api/domains/${domain.id}?force=true`],
    ] as const) {
      const res = await t.api(method, path, undefined, other);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await t.api('GET', '/api/domains', undefined, other)).json().data).toEqual([]);
    expect((await t.api('POST', '/api/links', { url: 'https://x.example', domain: host('private') }, other)).status).toBe(400);
    expect((await t.api('GET', `/api/domains/${domain.id}`, undefined, key)).status).toBe(200);
  });

  it('paginates the domain list', async () => {
    const { key: own } = await t.signup();
    for (let i = 0; i < 3; i++) await t.api('POST', '/api/domains', { hostname: host(`page${i}`) }, own);
    const first = (await t.api('GET', '/api/domains?limit=2', undefined, own)).json();
    expect(first.data).toHaveLength(2);
    const second = (await t.api('GET', `/api/domains?limit=2&cursor=${first.next_cursor}`, undefined, own)).json();
    expect(second.data).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/**
 * `/` on a verified custom domain is not the dashboard's log-in page: a visitor there is sent to
 * LINKWIRE_ROOT_URL, or gets a 404 when none is set. The default domain's `/` stays the dashboard.
 */
describe.each(DIALECTS)('a custom domain’s root on %s', (dialect) => {
  let dns: TestDnsServer;
  const apps: TestApp[] = [];
  const hostname = `go-${dialect}.lw.test`;

  /** An app whose custom domain is verified and serves a link `promo`. */
  async function appWith(config: Partial<Config>): Promise<TestApp> {
    const t = await startTestApp(dialect, { config: { dnsServer: { host: dns.host, port: dns.port }, baseUrl: 'http://lnk.lw.test', defaultDomain: 'lnk.lw.test', ...config } });
    apps.push(t);
    const { key } = await t.signup();
    const domain = (await t.api('POST', '/api/domains', { hostname }, key)).json();
    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    expect((await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key)).json().verified).toBe(true);
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/promo', slug: 'promo', domain: hostname }, key)).status).toBe(201);
    await until('the custom domain to serve', async () => (await http(t.url, 'GET', '/promo', { headers: { host: hostname } })).status === 302);
    return t;
  }

  beforeAll(async () => {
    dns = await startDnsServer();
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await dns?.close();
  });

  it('redirects to LINKWIRE_ROOT_URL; the default domain still shows the dashboard', async () => {
    const t = await appWith({ rootUrl: 'https://www.acme.example/' });
    for (const path of ['/', '/?utm_source=print']) {
      const root = await http(t.url, 'GET', path, { headers: { host: hostname } });
      expect(root.status, path).toBe(302);
      expect(root.headers.location).toBe('https://www.acme.example/');
      expect(root.text).not.toContain('<html');
    }
    expect((await http(t.url, 'HEAD', '/', { headers: { host: `${hostname.toUpperCase()}:80` } })).status).toBe(302);
    const dashboard = await http(t.url, 'GET', '/', { headers: { host: 'lnk.lw.test' } });
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers['content-type']).toContain('text/html');
    expect((await http(t.url, 'GET', '/promo', { headers: { host: hostname } })).headers.location).toBe('https://example.com/promo');
  });

  it('answers 404, not the log-in page, when no root URL is set', async () => {
    const t = await appWith({ rootUrl: null });
    const root = await http(t.url, 'GET', '/', { headers: { host: hostname } });
    expect(root.status).toBe(404);
    expect(root.headers['content-type']).toContain('text/plain');
    expect(root.text).toContain('short links');
    expect((await http(t.url, 'GET', '/', { headers: { host: 'lnk.lw.test' } })).status).toBe(200);
  });
});

describe('LINKWIRE_ROOT_URL', () => {
  it('must be an http(s) URL; unset or empty means a 404 at a custom domain’s root', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(loadConfig({}).rootUrl).toBeNull();
    expect(loadConfig({ LINKWIRE_ROOT_URL: ' ' }).rootUrl).toBeNull();
    expect(loadConfig({ LINKWIRE_ROOT_URL: 'https://www.acme.example' }).rootUrl).toBe('https://www.acme.example/');
    expect(() => loadConfig({ LINKWIRE_ROOT_URL: 'www.acme.example' })).toThrow('LINKWIRE_ROOT_URL is not a URL');
    expect(() => loadConfig({ LINKWIRE_ROOT_URL: 'javascript:alert(1)' })).toThrow('LINKWIRE_ROOT_URL must be an http(s) URL');
  });
});

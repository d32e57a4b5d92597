import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('Host header normalisation on %s (issue 21 item 8)', (dialect) => {
  let t: TestApp;
  let dns: TestDnsServer;

  beforeAll(async () => {
    dns = await startDnsServer();
    t = await startTestApp(dialect, { config: { dnsServer: { host: dns.host, port: dns.port } } });
  });
  afterAll(async () => {
    await t?.close();
    await dns?.close();
  });

  it("a custom domain's Host with a trailing dot, upper case or a port serves that domain, never another workspace's default-domain slug", async () => {
    const brand = await t.signup();
    const other = await t.signup();
    const hostname = `brand-${dialect}.hosts.test`;
    const domain = (await t.api('POST', '/api/domains', { hostname }, brand.key)).json();
    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    expect((await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, brand.key)).json().verified).toBe(true);
    expect((await t.api('POST', '/api/links', { url: 'https://brand.example/promo', domain: hostname, slug: 'promo' }, brand.key)).status).toBe(201);
    expect((await t.api('POST', '/api/links', { url: 'https://other.example/promo', slug: 'promo' }, other.key)).status).toBe(201);

    const visit = (host: string) => http(t.url, 'GET', '/promo', { headers: { host } });
    // The redirect learns of the verification through a (PostgreSQL: asynchronous) notification.
    let plain = await visit(hostname);
    for (let i = 0; i < 100 && plain.headers.location !== 'https://brand.example/promo'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      plain = await visit(hostname);
    }
    expect(plain.headers.location).toBe('https://brand.example/promo');
    for (const host of [`${hostname}.`, hostname.toUpperCase(), `${hostname}.:8080`, `${hostname.toUpperCase()}.:443`, `${hostname}:80`]) {
      const res = await visit(host);
      expect(res.status, host).toBe(302);
      expect(res.headers.location, host).toBe('https://brand.example/promo');
    }
    // The default domain still serves its own slug.
    expect((await visit('localhost:8080')).headers.location).toBe('https://other.example/promo');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('domain claims on %s', (dialect) => {
  let t: TestApp;
  let dns: TestDnsServer;
  const host = (name: string) => `${name}-${dialect}.claims.test`;

  beforeAll(async () => {
    dns = await startDnsServer();
    t = await startTestApp(dialect, { config: { dnsServer: { host: dns.host, port: dns.port } } });
  });
  afterAll(async () => {
    await t?.close();
    await dns?.close();
  });

  it('item 13: a squatter’s pending claim does not block the owner; the first to verify wins, the other is told', async () => {
    const squatter = await t.signup();
    const owner = await t.signup();
    const hostname = host('brand');
    const squat = await t.api('POST', '/api/domains', { hostname }, squatter.key);
    expect(squat.status).toBe(201);
    const claim = await t.api('POST', '/api/domains', { hostname }, owner.key);
    expect(claim.status).toBe(201);
    // One claim per workspace.
    expect((await t.api('POST', '/api/domains', { hostname }, owner.key)).status).toBe(409);

    // Only the owner can publish their value in DNS.
    dns.set(claim.json().verification.name, { TXT: [claim.json().verification.value] });
    const won = await t.api('POST', `/api/domains/${claim.json().id}/verify`, undefined, owner.key);
    expect(won.status).toBe(200);
    expect(won.json()).toMatchObject({ verified: true, verification_error: null });

    // The squatter's verify (even with its own value added to the record) is told the hostname is taken.
    dns.set(claim.json().verification.name, { TXT: [claim.json().verification.value, squat.json().verification.value] });
    const lost = await t.api('POST', `/api/domains/${squat.json().id}/verify`, undefined, squatter.key);
    expect(lost.status).toBe(409);
    expect(lost.json().error).toMatchObject({ code: 'CONFLICT', message: `${hostname} was verified by another workspace first` });
    const shown = (await t.api('GET', `/api/domains/${squat.json().id}`, undefined, squatter.key)).json();
    expect(shown).toMatchObject({ verified: false, verification_error: `${hostname} was verified by another workspace first` });
    // The squatter's links on the hostname are not served there: only the verified holder's are.
    const squatLink = await t.api('POST', '/api/links', { url: 'https://squat.example/', domain: hostname, slug: 'squat' }, squatter.key);
    expect(squatLink.status).toBe(201);
    const ownLink = await t.api('POST', '/api/links', { url: 'https://owner.example/', domain: hostname, slug: 'own' }, owner.key);
    expect(ownLink.status).toBe(201);
    // The redirect learns of the verification through a (PostgreSQL: asynchronous) notification.
    let served = await http(t.url, 'GET', '/own', { headers: { host: hostname } });
    for (let i = 0; i < 100 && served.status !== 302; i++) {
      await new Promise((r) => setTimeout(r, 20));
      served = await http(t.url, 'GET', '/own', { headers: { host: hostname } });
    }
    expect((await http(t.url, 'GET', '/squat', { headers: { host: hostname } })).status).toBe(404);
    expect(served.status).toBe(302);
    expect(served.headers.location).toBe('https://owner.example/');
    // A verified hostname cannot be claimed again by anyone else.
    const third = await t.signup();
    const late = await t.api('POST', '/api/domains', { hostname }, third.key);
    expect(late.status).toBe(409);
    expect(late.json().error.message).toBe(`${hostname} is already verified by another workspace`);
  });

  it('item 23: a failed verification says which TXT value was found, or that none was', async () => {
    const { key } = await t.signup();
    const domain = (await t.api('POST', '/api/domains', { hostname: host('txt') }, key)).json();
    expect(domain.verification_error).toBeNull();

    const none = (await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key)).json();
    expect(none.verified).toBe(false);
    expect(none.verification_error).toBe(`No TXT record found at ${domain.verification.name}; add one with the value ${domain.verification.value}`);

    dns.set(domain.verification.name, { TXT: ['linkwire-verify=stale'] });
    const wrong = (await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key)).json();
    expect(wrong.verification_error).toBe(`TXT record at ${domain.verification.name} has "linkwire-verify=stale", not the expected "${domain.verification.value}"`);

    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    expect((await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, key)).json()).toMatchObject({ verified: true, verification_error: null });
  });
});

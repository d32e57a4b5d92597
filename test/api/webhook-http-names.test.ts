import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * With an allow-list set, plain http may reach only allow-listed addresses. A name is resolved at
 * creation (through LINKWIRE_DNS_SERVER) and refused unless every address is in the allow-list.
 * (The DNS server answers loopback only; 127.0.0.2 stands for "an address outside the allow-list".)
 */
describe.each(DIALECTS)('http:// to a host name with an allow-list on %s', (dialect) => {
  let t: TestApp;
  let dns: TestDnsServer;
  let key: string;
  beforeAll(async () => {
    dns = await startDnsServer({
      'inside.lw.test': { A: ['127.0.0.1'] },
      'outside.lw.test': { A: ['127.0.0.2'] },
      'mixed.lw.test': { A: ['127.0.0.1', '127.0.0.2'] },
    });
    t = await startTestApp(dialect, {
      config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')], dnsServer: { host: dns.host, port: dns.port } },
    });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await dns?.close();
  });
  const create = (url: string) => t.api('POST', '/api/webhooks', { name: 'h', url, events: ['link.created'], active: false }, key);

  it('refuses a name with any address outside the allow-list, or one that does not resolve, with the reason', async () => {
    const before = (await t.api('GET', '/api/webhooks', undefined, key)).json().data.length;
    for (const [host, why] of [
      ['outside.lw.test', /outside\.lw\.test resolves to 127\.0\.0\.2/],
      ['mixed.lw.test', /mixed\.lw\.test resolves to 127\.0\.0\.2/],
      ['nowhere.lw.test', /could not be resolved/],
    ] as const) {
      const res = await create(`http://${host}:9/hook`);
      expect(res.status, host).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_URL', message: expect.stringMatching(why) });
      expect(res.json().error.message).toContain('LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS');
    }
    expect((await t.api('GET', '/api/webhooks', undefined, key)).json().data).toHaveLength(before);
    expect(dns.queries.some((q) => q.name.toLowerCase().startsWith('outside.lw.test'))).toBe(true);
  });

  it('accepts a name whose every address is allowed, and checks again when the URL is changed', async () => {
    const ok = await create('http://inside.lw.test:9/hook');
    expect(ok.status, ok.text).toBe(201);
    const patched = await t.api('PATCH', `/api/webhooks/${ok.json().id}`, { url: 'http://outside.lw.test:9/hook' }, key);
    expect(patched.status).toBe(400);
    expect(patched.json().error.code).toBe('INVALID_URL');
    expect((await t.api('GET', `/api/webhooks/${ok.json().id}`, undefined, key)).json().url).toBe('http://inside.lw.test:9/hook');
    // https to a name is not resolved at creation (delivery vets every address on each attempt).
    expect((await create('https://outside.lw.test/hook')).status).toBe(201);
  });
});

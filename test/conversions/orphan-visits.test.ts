import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { DIALECTS } from '../helpers/databases.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const DAY = 86_400_000;

/**
 * Orphan visits (issue 23 item 7, docs/analytics.md): unknown slugs and the bare root of a
 * workspace's verified domain are recorded, announced with `link.not_found` at most once per
 * slug per minute, and counted apart in the analytics; the default domain's stay plain 404s.
 */
describe.each(DIALECTS)('orphan visits on %s', (dialect) => {
  let t: TestApp;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  let owner: Awaited<ReturnType<TestApp['signup']>>;
  const host = `brand-${dialect}.orphans.test`;

  beforeAll(async () => {
    dns = await startDnsServer({});
    t = await startTestApp(dialect, { clock: 'manual', config: { dnsServer: { host: dns.host, port: dns.port }, geoHeader: 'cf-ipcountry' } });
    owner = await t.signup();
    const domain = (await t.api('POST', '/api/domains', { hostname: host }, owner.key)).json();
    dns.set(domain.verification.name, { TXT: [domain.verification.value] });
    expect((await t.api('POST', `/api/domains/${domain.id}/verify`, undefined, owner.key)).json().verified).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
    await dns?.close();
  });

  const clock = () => t.clock as ManualClock;
  const visit = (path: string, headers: Record<string, string> = {}, onHost = host) => http(t.url, 'GET', path, { headers: { host: onHost, 'user-agent': BROWSER, ...headers } });
  const notFound = async (key = owner.key) => (await t.api('GET', '/api/events?type=link.not_found&limit=100', undefined, key)).json().data as any[];
  const orphanCount = async (bots = false, key = owner.key) => {
    const now = clock().now();
    const range = `from=${new Date(now - DAY).toISOString()}&to=${new Date(now + DAY).toISOString()}${bots ? '&bots=true' : ''}`;
    return (await t.api('GET', `/api/analytics?${range}`, undefined, key)).json().orphan_visits as number;
  };

  it('records every visit to an unknown slug and fires link.not_found once per slug per minute', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await visit('/summer-sale?utm_source=flyer', { 'cf-ipcountry': 'fr', referer: 'https://news.example/post' });
      expect(res.status).toBe(404);
    }
    expect((await visit('/winter-sale')).status).toBe(404);
    let events = await notFound();
    expect(events.map((e) => e.data.slug).sort()).toEqual(['summer-sale', 'winter-sale']);
    const summer = events.find((e) => e.data.slug === 'summer-sale');
    expect(summer.data).toMatchObject({
      domain: host,
      click: { country: 'FR', is_eu_country: true, browser: 'Chrome', os: 'Mac OS', device: 'desktop', bot: false, referrer_domain: 'news.example', params: { utm_source: 'flyer' }, ip: null },
    });
    expect(summer.data.click.id).toMatch(/^clk_/);
    expect(summer.actor).toEqual({ type: 'system', id: null });
    expect(await orphanCount()).toBe(4);

    // Within the minute: recorded, not announced again. A minute later: announced again.
    clock().advance(30_000);
    await visit('/summer-sale');
    expect(await notFound()).toHaveLength(2);
    clock().advance(31_000);
    await visit('/summer-sale');
    events = await notFound();
    expect(events.filter((e) => e.data.slug === 'summer-sale')).toHaveLength(2);
    expect(await orphanCount()).toBe(6);
  });

  it('records the bare root when no root URL is set, apart from bots, and nothing a link answers', async () => {
    const before = await orphanCount();
    expect((await visit('/')).status).toBe(404);
    const root = (await notFound()).find((e) => e.data.slug === null);
    expect(root.data.domain).toBe(host);

    // A link on the domain answers as always and is not an orphan.
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/', domain: host, slug: 'real' }, owner.key)).json();
    expect(link.domain).toBe(host);
    expect((await visit('/real')).status).toBe(302);
    // A bot's orphan visit counts only when bots are asked for.
    expect((await visit('/probe', { 'user-agent': 'curl/8.5.0' })).status).toBe(404);
    expect(await orphanCount()).toBe(before + 1);
    expect(await orphanCount(true)).toBe(before + 2);
    expect((await notFound()).find((e) => e.data.slug === 'probe').data.click).toMatchObject({ bot: true });
    expect((await notFound()).some((e) => e.data.slug === 'real')).toBe(false);
  });

  it('leaves the default domain’s unknown slugs as plain 404s, and other workspaces out', async () => {
    const events = (await notFound()).length;
    const count = await orphanCount();
    expect((await visit('/nobody-owns-this', {}, 'localhost:8080')).status).toBe(404);
    // An unverified hostname is served as the default domain: no owner either.
    expect((await visit('/nobody-owns-this', {}, 'unverified.orphans.test')).status).toBe(404);
    expect(await notFound()).toHaveLength(events);
    expect(await orphanCount()).toBe(count);

    const stranger = await t.signup();
    expect(await notFound(stranger.key)).toEqual([]);
    expect(await orphanCount(false, stranger.key)).toBe(0);
  });
});

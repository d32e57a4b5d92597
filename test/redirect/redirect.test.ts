import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { DIALECTS } from '../helpers/databases.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createLink as createLinkAs } from '../helpers/links.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const CURL = 'curl/8.5.0';

describe.each(DIALECTS)('the redirect on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let clock: ManualClock;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual', config: { geoHeader: 'cf-ipcountry' }, random: () => 0.99 });
    clock = t.clock as ManualClock;
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  const visit = (slug: string, headers: Record<string, string> = {}, method = 'GET', query = '') =>
    http(t.url, method, `/${slug}${query}`, { headers: { 'user-agent': CHROME_MAC, ...headers } });
  const createLink = (body: Record<string, unknown>) => createLinkAs(t, key, body);
  const clicksOf = async (id: string) => (await t.api('GET', `/api/links/${id}`, undefined, key)).json().clicks as number;
  const eventsOf = async (type: string, linkId: string) =>
    (await t.api('GET', `/api/events?type=${type}&limit=100`, undefined, key)).json().data.filter((e: any) => e.data.link?.id === linkId);

  it('answers a table of redirect cases', async () => {
    const base = await createLink({ url: 'https://example.com/base?keep=1', utm_source: 'lw', utm_campaign: 'launch' });
    const rules = await createLink({
      url: 'https://example.com/default',
      rules: [
        { what: 'country', matches: ['DE', 'AT'], url: 'https://example.de/' },
        { what: 'device', matches: ['mobile'], url: 'https://m.example.com/' },
        { what: 'os', matches: ['Windows'], url: 'https://win.example.com/' },
      ],
    });
    const rotator = await createLink({
      url: 'https://example.com/unused',
      rules: [
        { what: 'rotator', url: 'https://a.example.com/', weight: 25 },
        { what: 'rotator', url: 'https://b.example.com/', weight: 75 },
      ],
    });
    const forward = await createLink({ url: 'https://example.com/f?x=1', forward_params: true });
    const geo = await createLink({ url: 'https://example.com/geo', geo_block: ['CN', 'RU'] });
    const bots = await createLink({ url: 'https://example.com/bots', block_bots: true });
    const expiresSoon = await createLink({ url: 'https://example.com/exp', expires_at: new Date(clock.now() + 60_000).toISOString() });
    const expiredWithUrl = await createLink({
      url: 'https://example.com/exp2',
      expires_at: new Date(clock.now() + 1000).toISOString(),
      expired_url: 'https://example.com/sorry',
    });
    // A link cannot be created already expired (a 400): this one expires now.
    clock.advance(2_000);

    const cases: { name: string; slug: string; headers?: Record<string, string>; method?: string; query?: string; status: number; location?: string | null }[] = [
      { name: 'plain + utm merge', slug: base.slug, status: 302, location: 'https://example.com/base?keep=1&utm_source=lw&utm_campaign=launch' },
      { name: 'HEAD answers like GET', slug: base.slug, method: 'HEAD', status: 302, location: 'https://example.com/base?keep=1&utm_source=lw&utm_campaign=launch' },
      { name: 'country rule', slug: rules.slug, headers: { 'cf-ipcountry': 'de' }, status: 302, location: 'https://example.de/' },
      { name: 'device rule', slug: rules.slug, headers: { 'user-agent': IPHONE }, status: 302, location: 'https://m.example.com/' },
      { name: 'os rule', slug: rules.slug, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' }, status: 302, location: 'https://win.example.com/' },
      { name: 'first matching rule wins', slug: rules.slug, headers: { 'cf-ipcountry': 'AT', 'user-agent': ANDROID }, status: 302, location: 'https://example.de/' },
      { name: 'no rule matches', slug: rules.slug, headers: { 'cf-ipcountry': 'US' }, status: 302, location: 'https://example.com/default' },
      { name: 'weighted rotator (random 0.99 → heavier b)', slug: rotator.slug, status: 302, location: 'https://b.example.com/' },
      { name: 'forward_params merges the visitor query', slug: forward.slug, query: '?x=2&ref=tw', status: 302, location: 'https://example.com/f?x=2&ref=tw' },
      { name: 'geo-blocked country', slug: geo.slug, headers: { 'cf-ipcountry': 'RU' }, status: 451 },
      { name: 'geo allowed country', slug: geo.slug, headers: { 'cf-ipcountry': 'FR' }, status: 302, location: 'https://example.com/geo' },
      { name: 'block_bots with a bot', slug: bots.slug, headers: { 'user-agent': CURL }, status: 403 },
      { name: 'block_bots with a person', slug: bots.slug, status: 302, location: 'https://example.com/bots' },
      { name: 'not expired yet', slug: expiresSoon.slug, status: 302, location: 'https://example.com/exp' },
      { name: 'expired with expired_url', slug: expiredWithUrl.slug, status: 302, location: 'https://example.com/sorry' },
      { name: 'unknown slug', slug: 'no-such-slug', status: 404 },
      { name: 'unknown host is the default domain', slug: base.slug, headers: { host: 'unknown.example' }, status: 302, location: 'https://example.com/base?keep=1&utm_source=lw&utm_campaign=launch' },
    ];
    for (const c of cases) {
      const res = await visit(c.slug, c.headers, c.method, c.query);
      expect(res.status, c.name).toBe(c.status);
      if (c.location !== undefined) expect(res.headers.location ?? null, c.name).toBe(c.location);
      if (c.method === 'HEAD') expect(res.text, c.name).toBe('');
    }

    clock.advance(61_000);
    const expired = await visit(expiresSoon.slug);
    expect(expired.status).toBe(410);
    expect((await visit(expiresSoon.slug)).status).toBe(410);
    expect(await eventsOf('link.expired', expiresSoon.id)).toHaveLength(1);
    expect(await eventsOf('link.geo_blocked', geo.id)).toHaveLength(1);
    // HEAD and blocked bots are not counted; the person on the bots link is.
    expect(await clicksOf(bots.id)).toBe(1);
    expect(await clicksOf(base.id)).toBe(2); // plain + unknown host; not the HEAD
  });

  it('enriches clicks and emits link.clicked / qr.scanned that match their schemas', async () => {
    const link = await createLink({ url: 'https://example.com/enrich' });
    const res = await visit(link.slug, { 'user-agent': IPHONE, 'cf-ipcountry': 'FR', referer: 'https://www.twitter.com/some/post' }, 'GET', '?qr=1&utm_x=1');
    expect(res.status).toBe(302);
    const [clicked] = await eventsOf('link.clicked', link.id);
    expect(clicked.data.click).toMatchObject({
      country: 'FR',
      is_eu_country: true,
      device: 'mobile',
      os: 'iOS',
      browser: 'Mobile Safari',
      referrer: 'https://www.twitter.com/some/post',
      referrer_domain: 'twitter.com',
      bot: false,
      bot_name: null,
      qr: true,
      params: { qr: '1', utm_x: '1' },
      destination: 'https://example.com/enrich',
      ip: null,
    });
    expect(clicked.data.link.clicks).toBe(1);
    expect(await eventsOf('qr.scanned', link.id)).toHaveLength(1);

    await t.api('PATCH', '/api/workspace', { settings: { include_click_ip: true } }, key);
    await visit(link.slug);
    const latest = (await eventsOf('link.clicked', link.id))[0];
    expect(latest.data.click.ip).toBe('127.0.0.1');
    expect(latest.data.click.qr).toBe(false);
    await t.api('PATCH', '/api/workspace', { settings: { include_click_ip: false } }, key);

    const validator = await eventValidator(t.url, key);
    const all = (await t.api('GET', '/api/events?limit=100', undefined, key)).json().data;
    expect(all.length).toBeGreaterThan(5);
    expect(all.flatMap((e: any) => validator.check(e))).toEqual([]);
  });

  it('redirects crawlers and excluded IPs without counting them', async () => {
    const link = await createLink({ url: 'https://example.com/crawl' });
    expect((await visit(link.slug, { 'user-agent': GOOGLEBOT })).status).toBe(302);
    expect((await visit(link.slug, { 'user-agent': CURL })).status).toBe(302); // a bot let through: bot_clicks, not clicks (SPEC §3b)
    expect(await clicksOf(link.id)).toBe(0);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, key)).json().bot_clicks).toBe(1);
    expect((await eventsOf('link.clicked', link.id))[0].data.click).toMatchObject({ bot: true, bot_name: 'curl' });

    await t.api('PATCH', '/api/workspace', { settings: { excluded_ips: ['127.0.0.0/8'] } }, key);
    expect((await visit(link.slug)).status).toBe(302);
    expect(await clicksOf(link.id)).toBe(0);
    await t.api('PATCH', '/api/workspace', { settings: { excluded_ips: [] } }, key);
    expect((await visit(link.slug)).status).toBe(302);
    expect(await clicksOf(link.id)).toBe(1);
  });

  it('stops at max_clicks with exactly one link.limit_reached, then answers 410', async () => {
    const link = await createLink({ url: 'https://example.com/limited', max_clicks: 5 });
    const statuses = await Promise.all(Array.from({ length: 12 }, () => visit(link.slug).then((r) => r.status)));
    expect(statuses.filter((s) => s === 302)).toHaveLength(5);
    expect(statuses.filter((s) => s === 410)).toHaveLength(7);
    expect(await clicksOf(link.id)).toBe(5);
    expect(await eventsOf('link.limit_reached', link.id)).toHaveLength(1);
    expect(await eventsOf('link.clicked', link.id)).toHaveLength(5);
  });

  it('serves a changed link at once (the cache is invalidated) and 404s a deleted one', async () => {
    const link = await createLink({ url: 'https://example.com/v1', slug: `cache-${dialect}` });
    expect((await visit(link.slug)).headers.location).toBe('https://example.com/v1');
    await t.api('PATCH', `/api/links/${link.id}`, { url: 'https://example.com/v2' }, key);
    expect((await visit(link.slug)).headers.location).toBe('https://example.com/v2');
    await t.api('DELETE', `/api/links/${link.id}`, undefined, key);
    expect((await visit(link.slug)).status).toBe(404);
    await createLink({ url: 'https://example.com/v3', slug: `cache-${dialect}` });
    expect((await visit(link.slug)).headers.location).toBe('https://example.com/v3');
  });

  it('counts 1 000 concurrent redirects exactly, with 1 000 link.clicked events', async () => {
    const link = await createLink({ url: 'https://example.com/busy' });
    const statuses: number[] = [];
    // 1 000 requests in flight at once over separate connections.
    await Promise.all(Array.from({ length: 1000 }, () => visit(link.slug).then((r) => statuses.push(r.status))));
    expect(statuses.filter((s) => s === 302)).toHaveLength(1000);
    expect(await clicksOf(link.id)).toBe(1000);
    const count = await t.storage.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'link.clicked')
      .where('link_id', '=', link.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1000);
    const milestones = await eventsOf('analytics.milestone', link.id);
    expect(milestones.map((e: any) => e.data.milestone)).toEqual([1000, 100]);
  });
});

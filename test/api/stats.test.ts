import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CURL = 'curl/8.5.0';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** "Now" for the whole file: 12:30 UTC, so hour and day buckets are easy to name. */
const NOW = Date.UTC(2026, 2, 10, 12, 30);
const TODAY = Date.UTC(2026, 2, 10);

describe.each(DIALECTS)('link stats on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let clock: ManualClock;
  let link: { id: string; slug: string };

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual', config: { geoHeader: 'cf-ipcountry' } });
    clock = t.clock as ManualClock;
    ({ key } = await t.signup());

    clock.set(NOW - 120 * DAY);
    const res = await t.api('POST', '/api/links', { url: 'https://example.com/stats' }, key);
    expect(res.status, res.text).toBe(201);
    link = res.json();

    const visits: { at: number; country: string; ua: string; referer?: string; qr?: boolean }[] = [
      { at: NOW - 100 * DAY, country: 'JP', ua: CHROME_MAC },
      { at: NOW - 20 * DAY, country: 'US', ua: FIREFOX_LINUX },
      { at: NOW - 3 * DAY, country: 'FR', ua: CURL },
      { at: TODAY - 6 * DAY, country: 'GB', ua: CHROME_MAC }, // the first instant of the 7d window
      { at: NOW - 5 * HOUR, country: 'DE', ua: IPHONE, referer: 'https://news.ycombinator.com/item?id=1', qr: true },
      { at: NOW - 5 * HOUR + 60_000, country: 'DE', ua: IPHONE, referer: 'https://news.ycombinator.com/', qr: true },
      { at: NOW - 30 * 60_000, country: 'US', ua: CHROME_MAC, referer: 'https://www.twitter.com/a' },
      { at: NOW - 10 * 60_000, country: 'US', ua: CHROME_MAC, referer: 'https://twitter.com/b' },
      { at: NOW, country: 'US', ua: CHROME_MAC, referer: 'https://twitter.com/c' },
    ];
    for (const v of visits) {
      clock.set(v.at);
      const headers: Record<string, string> = { 'user-agent': v.ua, 'cf-ipcountry': v.country };
      if (v.referer) headers.referer = v.referer;
      const visit = await http(t.url, 'GET', `/${link.slug}${v.qr ? '?qr=1' : ''}`, { headers });
      expect(visit.status).toBe(302);
    }
    clock.set(NOW);
  });
  afterAll(async () => t?.close());

  const stats = async (query = '') => {
    const res = await t.api('GET', `/api/links/${link.id}/stats${query}`, undefined, key);
    expect(res.status, res.text).toBe(200);
    return res.json();
  };

  it('24h: hourly, zero-filled, ending with the current hour', async () => {
    const s = await stats('?interval=24h');
    expect(s).toMatchObject({ link_id: link.id, interval: '24h', granularity: 'hour' });
    expect(s.totals).toEqual({ clicks: 5, qr: 2, bots: 0, unique_countries: 2, unique_referrers: 2 });
    expect(s.timeseries).toHaveLength(24);
    expect(s.timeseries[0].start).toBe(new Date(NOW - 23 * HOUR - 30 * 60_000).toISOString());
    expect(s.timeseries[23]).toEqual({ start: '2026-03-10T12:00:00.000Z', clicks: 3 });
    expect(s.timeseries.find((b: any) => b.start === '2026-03-10T07:00:00.000Z').clicks).toBe(2);
    expect(s.timeseries.reduce((n: number, b: any) => n + b.clicks, 0)).toBe(5);
    expect(s.countries).toEqual([{ country: 'US', clicks: 3 }, { country: 'DE', clicks: 2 }]);
    expect(s.devices).toEqual([{ device: 'desktop', clicks: 3 }, { device: 'mobile', clicks: 2 }]);
    expect(s.os).toEqual([{ os: 'Mac OS', clicks: 3 }, { os: 'iOS', clicks: 2 }]);
    expect(s.browsers.map((b: any) => b.clicks)).toEqual([3, 2]);
    expect(s.referrers).toEqual([{ referrer_domain: 'twitter.com', clicks: 3 }, { referrer_domain: 'news.ycombinator.com', clicks: 2 }]);
  });

  it('7d is the default: daily buckets including today, the window start included', async () => {
    const s = await stats();
    expect(s).toMatchObject({ interval: '7d', granularity: 'day', start: new Date(TODAY - 6 * DAY).toISOString(), end: new Date(NOW).toISOString() });
    // The curl visit 3 days ago is a bot: counted in `bots`, not in clicks (SPEC §3b), unless asked for.
    expect(s.totals).toEqual({ clicks: 6, qr: 2, bots: 1, unique_countries: 3, unique_referrers: 2 });
    expect(s.timeseries.map((b: any) => b.clicks)).toEqual([1, 0, 0, 0, 0, 0, 5]);
    const withBots = await stats('?bots=true');
    expect(withBots.totals).toEqual({ clicks: 7, qr: 2, bots: 1, unique_countries: 4, unique_referrers: 2 });
    expect(withBots.timeseries.map((b: any) => b.clicks)).toEqual([1, 0, 0, 1, 0, 0, 5]);
    expect(s.timeseries.map((b: any) => b.start)).toEqual(Array.from({ length: 7 }, (_, i) => new Date(TODAY - (6 - i) * DAY).toISOString()));
    expect(s.countries[0]).toEqual({ country: 'US', clicks: 3 });
    expect(s.countries).toHaveLength(3);
    expect(s.referrers).toEqual([
      { referrer_domain: 'twitter.com', clicks: 3 },
      { referrer_domain: 'news.ycombinator.com', clicks: 2 },
      { referrer_domain: null, clicks: 1 },
    ]);
    // Ties break by value; the direct visits (null referrer) come first among equals.
    expect(withBots.referrers).toEqual([
      { referrer_domain: 'twitter.com', clicks: 3 },
      { referrer_domain: null, clicks: 2 },
      { referrer_domain: 'news.ycombinator.com', clicks: 2 },
    ]);
  });

  it('30d, 90d and all', async () => {
    const d30 = await stats('?interval=30d');
    expect(d30.timeseries).toHaveLength(30);
    expect(d30.totals.clicks).toBe(7);
    const d90 = await stats('?interval=90d');
    expect(d90.timeseries).toHaveLength(90);
    expect(d90.totals.clicks).toBe(7);
    const all = await stats('?interval=all');
    expect(all.timeseries).toHaveLength(121);
    expect(all.timeseries[0].start).toBe(new Date(TODAY - 120 * DAY).toISOString());
    expect(all.totals.clicks).toBe(8);
    const linkNow = (await t.api('GET', `/api/links/${link.id}`, undefined, key)).json();
    expect(all.totals.clicks).toBe(linkNow.clicks);
    expect(all.countries.map((c: any) => c.country)).toEqual(['US', 'DE', 'GB', 'JP']);
  });

  it('a link without clicks answers zeros; bad input is a 400, another workspace’s link a 404', async () => {
    const fresh = (await t.api('POST', '/api/links', { url: 'https://example.com/none' }, key)).json();
    const s = (await t.api('GET', `/api/links/${fresh.id}/stats?interval=24h`, undefined, key)).json();
    expect(s.totals).toEqual({ clicks: 0, qr: 0, bots: 0, unique_countries: 0, unique_referrers: 0 });
    expect(s.timeseries).toHaveLength(24);
    expect(s.timeseries.every((b: any) => b.clicks === 0)).toBe(true);
    expect(s.countries).toEqual([]);

    const bad = await t.api('GET', `/api/links/${link.id}/stats?interval=1y`, undefined, key);
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_ERROR');
    const other = await t.signup();
    const hidden = await t.api('GET', `/api/links/${link.id}/stats`, undefined, other.key);
    expect(hidden.status).toBe(404);
    expect(hidden.json().error.code).toBe('NOT_FOUND');
  });
});

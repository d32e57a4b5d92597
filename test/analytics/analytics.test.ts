import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeVisits } from '../../src/clicks/click-recorder.js';
import type { Visit } from '../../src/clicks/visit.js';
import { systemClock } from '../../src/runtime/clock.js';
import { Outbox } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { sampleClick } from '../helpers/sample-click.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Clicks from 2026-10-25 to 2026-11-05: across the end of daylight saving time in New York (Nov 1). */
const START = Date.UTC(2026, 9, 25);
const SPAN = 11 * DAY;
const CLICKS = 4000;
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A small deterministic generator: the same clicks on every run. */
function generator(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}
const pick = <T,>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

interface StoredClick {
  link_id: string;
  timestamp: number;
  bot: number;
  country: string | null;
  city: string | null;
  device: string | null;
  browser: string | null;
  os: string | null;
  referrer_domain: string | null;
  destination: string;
}

/** The local date (YYYY-MM-DD) of `ms` in `timeZone`, by Intl directly (independent of the code under test). */
function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** Top-N the way the API ranks: most clicks first, ties by value with unknown first. */
function topOf(clicks: StoredClick[], key: (c: StoredClick) => string | null, n = 10): { value: string | null; clicks: number }[] {
  const counts = new Map<string, number>();
  for (const c of clicks) {
    const k = key(c) ?? '';
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([value, count]) => ({ value: value === '' ? null : value, clicks: count }));
}

const utm = (c: StoredClick, key: string) => new URL(c.destination).searchParams.get(key) || null;

describe.each(DIALECTS)('workspace analytics on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let workspaceId: string;
  let links: Link[];
  let other: { key: string };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key, workspaceId } = await t.signup());
    other = await t.signup();
    const specs = [
      { url: 'https://shop.example/a?utm_source=news&utm_medium=email&utm_campaign=winter', tags: ['winter'] },
      { url: 'https://shop.example/b?utm_source=x&utm_campaign=winter', tags: ['winter', 'social'] },
      { url: 'https://shop.example/c', tags: ['social'] },
      { url: 'https://shop.example/d?utm_source=ads', tags: [] },
      { url: 'https://shop.example/e', tags: [] },
    ];
    links = [];
    for (const spec of specs) {
      const res = await t.api('POST', '/api/links', spec, key);
      expect(res.status, res.text).toBe(201);
      links.push(res.json());
    }
    // Clicks written through the ingester's own write (writeVisits), at chosen times, in batches.
    const r = generator(7);
    const outbox = new Outbox(createIdSource(), systemClock);
    const places = [['FR', 'Paris'], ['FR', 'Lyon'], ['US', 'Paris'], ['US', 'New York'], ['DE', 'Berlin'], ['JP', null], [null, null]] as const;
    for (let start = 0; start < CLICKS; start += 500) {
      const visits: Visit[] = [];
      for (let i = start; i < start + 500; i++) {
        const link = links[Math.floor(r() ** 2 * links.length)]!;
        const at = START + Math.floor(r() * SPAN);
        const [country, city] = pick(r, places);
        const bot = r() < 0.15;
        visits.push({
          kind: 'click',
          link,
          click: sampleClick(link, i, {
            id: `clk_analytics${String(i).padStart(14, '0')}`,
            timestamp: new Date(at).toISOString(),
            country,
            city,
            device: pick(r, ['desktop', 'mobile', 'tablet', null]),
            browser: pick(r, ['Chrome', 'Firefox', 'Safari', 'Edge', null]),
            os: pick(r, ['Windows', 'Mac OS', 'iOS', 'Android', 'Linux']),
            referrer_domain: pick(r, ['news.ycombinator.com', 'twitter.com', null, null, 'reddit.com', 'a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example', 'g.example']),
            bot,
            bot_name: bot ? 'curl' : null,
            destination: link.url,
          }),
        });
      }
      await t.storage.transaction((tx) => writeVisits(tx, outbox, visits));
    }
    // A few through the real server path: redirect → journal → ingester.
    for (let i = 0; i < 3; i++) expect((await http(t.url, 'GET', `/${links[4]!.slug}`, { headers: { 'user-agent': CHROME } })).status).toBe(302);
  });
  afterAll(async () => t?.close());

  const stored = async (): Promise<StoredClick[]> => {
    await t.app.clicksSettled();
    const rows = await t.storage.db
      .selectFrom('clicks')
      .select(['link_id', 'timestamp', 'bot', 'country', 'city', 'device', 'browser', 'os', 'referrer_domain', 'destination'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    return rows.map((row) => ({ ...row, timestamp: Number(row.timestamp), bot: Number(row.bot) }));
  };

  async function expectMatches(query: string, select: (c: StoredClick) => boolean, range: { from: number; to: number }, timeZone: string) {
    const res = await t.api('GET', `/api/analytics?${query}`, undefined, key);
    expect(res.status, res.text).toBe(200);
    const body = res.json();
    const bots = query.includes('bots=true');
    const clicks = (await stored()).filter((c) => c.timestamp >= range.from && c.timestamp < range.to && (bots || c.bot === 0) && select(c));
    expect(clicks.length).toBeGreaterThan(0);
    expect(body.from).toBe(new Date(range.from).toISOString());
    expect(body.to).toBe(new Date(range.to).toISOString());
    expect(body.total).toBe(clicks.length);
    expect(body.series.reduce((n: number, p: any) => n + p.clicks, 0)).toBe(clicks.length);
    if (body.interval === 'day') {
      // Each day bucket is labelled with its local midnight and holds exactly that local date's clicks.
      const perDate = new Map<string, number>();
      for (const c of clicks) perDate.set(localDate(c.timestamp, timeZone), (perDate.get(localDate(c.timestamp, timeZone)) ?? 0) + 1);
      for (const point of body.series) {
        const t0 = Date.parse(point.t);
        expect(localDate(t0, timeZone)).not.toBe(localDate(t0 - 1, timeZone)); // a local midnight
        expect(point.clicks, `${point.t}`).toBe(perDate.get(localDate(t0, timeZone)) ?? 0);
      }
    } else {
      for (const point of body.series) {
        const t0 = Date.parse(point.t);
        expect(point.clicks).toBe(clicks.filter((c) => c.timestamp >= t0 && c.timestamp < t0 + HOUR).length);
      }
    }
    expect(body.top.countries).toEqual(topOf(clicks, (c) => c.country));
    expect(body.top.devices).toEqual(topOf(clicks, (c) => c.device));
    expect(body.top.browsers).toEqual(topOf(clicks, (c) => c.browser));
    expect(body.top.os).toEqual(topOf(clicks, (c) => c.os));
    expect(body.top.referrers).toEqual(topOf(clicks, (c) => c.referrer_domain));
    expect(body.top.utm_sources).toEqual(topOf(clicks, (c) => utm(c, 'utm_source')));
    expect(body.top.utm_mediums).toEqual(topOf(clicks, (c) => utm(c, 'utm_medium')));
    expect(body.top.utm_campaigns).toEqual(topOf(clicks, (c) => utm(c, 'utm_campaign')));
    expect(body.top.cities).toEqual(
      topOf(clicks.filter((c) => c.city !== null), (c) => `${c.country ?? ''}/${c.city}`).map((e) => ({ city: e.value!.split('/')[1], country: e.value!.split('/')[0] || null, clicks: e.clicks })),
    );
    expect(body.top.links).toEqual(
      topOf(clicks, (c) => c.link_id).map((e) => {
        const link = links.find((l) => l.id === e.value)!;
        return { link_id: link.id, short_url: link.short_url, url: link.url, clicks: e.clicks };
      }),
    );
    return body;
  }

  it('equals a direct count over the clicks: whole UTC days, ragged edges, filters, bots', async () => {
    const from = START + 2 * DAY;
    const to = START + 9 * DAY;
    await expectMatches(`from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`, () => true, { from, to }, 'UTC');
    // Edges in the middle of an hour and of a day.
    const f2 = START + DAY + 7 * HOUR + 1_234_567;
    const t2 = START + 8 * DAY + 15 * HOUR + 987_654;
    await expectMatches(`from=${new Date(f2).toISOString()}&to=${new Date(t2).toISOString()}`, () => true, { from: f2, to: t2 }, 'UTC');
    await expectMatches(`from=${new Date(f2).toISOString()}&to=${new Date(t2).toISOString()}&bots=true`, () => true, { from: f2, to: t2 }, 'UTC');
    await expectMatches(`from=${new Date(f2).toISOString()}&to=${new Date(t2).toISOString()}&link_id=${links[1]!.id}`, (c) => c.link_id === links[1]!.id, { from: f2, to: t2 }, 'UTC');
    const winter = new Set([links[0]!.id, links[1]!.id]);
    await expectMatches(`from=${new Date(f2).toISOString()}&to=${new Date(t2).toISOString()}&tag=winter`, (c) => winter.has(c.link_id), { from: f2, to: t2 }, 'UTC');
    await expectMatches(`from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&tag=social&bots=true`, (c) => c.link_id === links[1]!.id || c.link_id === links[2]!.id, { from, to }, 'UTC');
    await expectMatches(`from=${new Date(f2).toISOString()}&to=${new Date(t2).toISOString()}&domain=${encodeURIComponent(links[0]!.domain)}`, () => true, { from: f2, to: t2 }, 'UTC');
    // Within one day, hourly.
    const f3 = START + 3 * DAY + 2 * HOUR + 5_000;
    const t3 = START + 3 * DAY + 20 * HOUR + 7_000;
    const hourly = await expectMatches(`from=${new Date(f3).toISOString()}&to=${new Date(t3).toISOString()}`, () => true, { from: f3, to: t3 }, 'UTC');
    expect(hourly.interval).toBe('hour');
    expect(hourly.series).toHaveLength(19);
  });

  it('counts days in the workspace time zone, across daylight saving time and in a half-hour zone', async () => {
    expect((await t.api('PATCH', '/api/workspace', { settings: { timezone: 'America/New_York' } }, key)).status).toBe(200);
    // Local dates: from the start of Oct 27 to the end of Nov 3, New York time (Nov 1 has 25 hours).
    const from = Date.UTC(2026, 9, 27, 4); // 00:00 EDT
    const to = Date.UTC(2026, 10, 4, 5); // 00:00 EST
    const ny = await expectMatches('from=2026-10-27&to=2026-11-03', () => true, { from, to }, 'America/New_York');
    expect(ny.series).toHaveLength(8);
    expect(ny.timezone).toBe('America/New_York');

    expect((await t.api('PATCH', '/api/workspace', { settings: { timezone: 'Asia/Kolkata' } }, key)).status).toBe(200);
    const fromIn = Date.UTC(2026, 9, 25, 18, 30); // 2026-10-26 00:00 IST
    const toIn = Date.UTC(2026, 10, 2, 18, 30); // 2026-11-03 00:00 IST
    const india = await expectMatches('from=2026-10-26&to=2026-11-02&link_id=' + links[0]!.id, (c) => c.link_id === links[0]!.id, { from: fromIn, to: toIn }, 'Asia/Kolkata');
    expect(india.series).toHaveLength(8);
    await expectMatches('from=2026-10-26&to=2026-11-02&bots=true', () => true, { from: fromIn, to: toIn }, 'Asia/Kolkata');
    await t.api('PATCH', '/api/workspace', { settings: { timezone: 'UTC' } }, key);
  });

  it('bad input is a 400 that says why; another workspace sees none of these clicks', async () => {
    const bad = async (query: string, message: RegExp) => {
      const res = await t.api('GET', `/api/analytics?${query}`, undefined, key);
      expect(res.status, query).toBe(400);
      expect(res.json().error.message).toMatch(message);
    };
    await bad('from=yesterday', /from must be an ISO-8601 timestamp/);
    await bad('from=2026-02-30', /not a real date/);
    await bad('from=2026-11-02&to=2026-11-01', /from must be before to/);
    await bad('from=2020-01-01&to=2026-01-01', /longer than 732 days/);
    await bad('from=2026-01-01&to=2026-06-01&interval=hour', /at most 92 days/);
    await bad('interval=week', /interval/);
    const tz = await t.api('PATCH', '/api/workspace', { settings: { timezone: 'Mars/Olympus' } }, key);
    expect(tz.status).toBe(400);
    expect(tz.json().error.message).toMatch(/settings.timezone must be an IANA time zone/);

    const theirs = await t.api('GET', `/api/analytics?from=2026-10-01&to=2026-11-30&link_id=${links[0]!.id}`, undefined, other.key);
    expect(theirs.status).toBe(200);
    expect(theirs.json().total).toBe(0);
    expect((await t.api('GET', '/api/analytics?from=2026-10-01&to=2026-11-30', undefined, other.key)).json().total).toBe(0);
  });

  it('clicks through the redirect reach the analytics as they reach the counter', async () => {
    const link = links[4]!;
    const now = Date.now();
    const before = (await t.api('GET', `/api/analytics?link_id=${link.id}&from=${new Date(now - HOUR).toISOString()}`, undefined, key)).json();
    expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': CHROME } })).status).toBe(302);
    expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': 'curl/8.5.0' } })).status).toBe(302);
    const after = (await t.api('GET', `/api/analytics?link_id=${link.id}&from=${new Date(now - HOUR).toISOString()}`, undefined, key)).json();
    expect(after.total - before.total).toBe(1);
    const withBots = (await t.api('GET', `/api/analytics?link_id=${link.id}&from=${new Date(now - HOUR).toISOString()}&bots=true`, undefined, key)).json();
    expect(withBots.total - after.total).toBe(1);
  });
});

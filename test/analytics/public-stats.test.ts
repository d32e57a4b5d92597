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
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const IP = '203.0.113.77';
const HOSTILE_REFERRER = '"><script>alert(1)</script>.example';

describe.each(DIALECTS)('public stats page (<short url>+) on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let workspaceId: string;
  let open: Link;
  let closed: Link;
  const outbox = new Outbox(createIdSource(), systemClock);

  /** Clicks on `link` through the ingester's own write, `hoursAgo` each. */
  async function seed(link: Link, specs: { n: number; country: string | null; city: string | null; bot?: boolean; referrer?: string | null; hoursAgo: number }[], first: number): Promise<void> {
    const visits: Visit[] = [];
    let i = first;
    for (const s of specs) {
      for (let k = 0; k < s.n; k++, i++) {
        const referrer = s.referrer === undefined ? null : s.referrer;
        visits.push({
          kind: 'click',
          link,
          click: sampleClick(link, i, {
            id: `clk_public${String(i).padStart(15, '0')}`,
            timestamp: new Date(Date.now() - s.hoursAgo * HOUR).toISOString(),
            country: s.country,
            city: s.city,
            bot: s.bot ?? false,
            bot_name: s.bot ? 'curl' : null,
            referrer: referrer === null ? null : `https://${referrer}/private/path?token=secret-token`,
            referrer_domain: referrer,
            ip: IP,
          }),
        });
      }
    }
    await t.storage.transaction((tx) => writeVisits(tx, outbox, visits));
  }

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key, workspaceId } = await t.signup());
    const created = await t.api('POST', '/api/links', { url: 'https://shop.example/open', public_analytics: true }, key);
    expect(created.status, created.text).toBe(201);
    open = created.json();
    const other = await t.api('POST', '/api/links', { url: 'https://shop.example/closed' }, key);
    closed = other.json();
    await seed(
      open,
      [
        { n: 6, country: 'FR', city: 'Paris', referrer: 'news.example.org', hoursAgo: 2 },
        { n: 2, country: 'FR', city: 'Lyon', hoursAgo: 30 },
        { n: 3, country: 'DE', city: 'Berlin', referrer: HOSTILE_REFERRER, hoursAgo: 50 },
        { n: 4, country: 'US', city: 'Boston', bot: true, hoursAgo: 3 },
        // Older than the page's 30 days.
        { n: 5, country: 'JP', city: 'Tokyo', hoursAgo: 40 * 24 },
      ],
      0,
    );
    await seed(closed, [{ n: 3, country: 'FR', city: 'Paris', hoursAgo: 1 }], 100);
  });
  afterAll(async () => t?.close());

  it('shows people-clicks of the last 30 days by country, device and referrer domain, and cities only from 5 clicks', async () => {
    const res = await http(t.url, 'GET', `/${open.slug}+`, { headers: { 'user-agent': CHROME } });
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.text;
    // 6 + 2 + 3 people within 30 days; the 4 bots and the 5 older clicks are not counted.
    expect(html).toMatch(/id="total">11 </);
    expect(html).toMatch(/<td>FR<\/td><td class="n">8<\/td>/);
    expect(html).toMatch(/<td>DE<\/td><td class="n">3<\/td>/);
    expect(html).not.toContain('<td>US</td>');
    expect(html).not.toContain('<td>JP</td>');
    expect(html).toMatch(/<td>Paris, FR<\/td><td class="n">6<\/td>/);
    expect(html).toMatch(/<td>desktop<\/td><td class="n">11<\/td>/);
    expect(html).toMatch(/<td>news\.example\.org<\/td><td class="n">6<\/td>/);
    expect(html).toMatch(/<td>Direct<\/td><td class="n">2<\/td>/);
  });

  it('holds no personal data: no IP, no click id, no referrer path, no city under 5 clicks, and escapes what it shows', async () => {
    const html = (await http(t.url, 'GET', `/${open.slug}+`)).text;
    expect(html).not.toContain(IP);
    expect(html).not.toContain('clk_');
    expect(html).not.toContain('secret-token');
    expect(html).not.toContain('/private/path');
    expect(html).not.toContain('Lyon'); // 2 clicks
    expect(html).not.toContain('Berlin'); // 3 clicks
    expect(html).not.toContain('<script');
    expect(html).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;.example');
  });

  it('sends the page with a no-script policy and a 60 s public cache', async () => {
    const res = await http(t.url, 'GET', `/${open.slug}+`);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const head = await http(t.url, 'HEAD', `/${open.slug}+`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('is 404 when the link is not public or does not exist, like any unknown page', async () => {
    expect((await http(t.url, 'GET', `/${closed.slug}+`)).status).toBe(404);
    const page = await http(t.url, 'GET', `/${closed.slug}+`);
    expect(page.text).not.toContain('Paris');
    expect((await http(t.url, 'GET', '/no-such-link+')).status).toBe(404);
    // Turned off: gone at once (the link cache drops the link on change).
    const off = await t.api('PATCH', `/api/links/${open.id}`, { public_analytics: false }, key);
    expect(off.status, off.text).toBe(200);
    expect((await http(t.url, 'GET', `/${open.slug}+`)).status).toBe(404);
    expect((await t.api('PATCH', `/api/links/${open.id}`, { public_analytics: true }, key)).status).toBe(200);
    expect((await http(t.url, 'GET', `/${open.slug}+`)).status).toBe(200);
  });

  it('is not a click: visits to the page change neither the link nor the clicks table', async () => {
    const count = async () =>
      Number((await t.storage.db.selectFrom('clicks').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow()).n);
    await t.app.clicksSettled();
    const before = await count();
    const linkBefore = (await t.api('GET', `/api/links/${open.id}`, undefined, key)).json<Link & { bot_clicks: number }>();
    for (let i = 0; i < 3; i++) expect((await http(t.url, 'GET', `/${open.slug}+`, { headers: { 'user-agent': CHROME } })).status).toBe(200);
    expect((await http(t.url, 'GET', `/${open.slug}+`, { headers: { 'user-agent': 'curl/8.5.0' } })).status).toBe(200);
    await t.app.clicksSettled();
    expect(await count()).toBe(before);
    const linkAfter = (await t.api('GET', `/api/links/${open.id}`, undefined, key)).json<Link & { bot_clicks: number }>();
    expect(linkAfter.clicks).toBe(linkBefore.clicks);
    expect(linkAfter.bot_clicks).toBe(linkBefore.bot_clicks);
    // The short URL itself still counts (the page did not break the redirect).
    expect((await http(t.url, 'GET', `/${open.slug}`, { headers: { 'user-agent': CHROME } })).status).toBe(302);
    await t.app.clicksSettled();
    expect(await count()).toBe(before + 1);
  });

  it('is rendered at most once a minute per link: new clicks show on the next render', async () => {
    const first = (await http(t.url, 'GET', `/${open.slug}+`)).text;
    await seed(open, [{ n: 7, country: 'IT', city: 'Rome', hoursAgo: 1 }], 200);
    expect((await http(t.url, 'GET', `/${open.slug}+`)).text).toBe(first);
  });
});

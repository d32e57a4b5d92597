import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ManualClock } from '../../src/runtime/clock.js';
import { parseCsv } from '../../src/csv/csv.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { launchBrowser, logIn, newContext, requireBuiltDashboard, watchPage, type TestBrowser } from './browser.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';
const CURL = 'curl/8.5.0';
const DAY = 86_400_000;

/** The totals as the page shows them: label → number (digits only). */
async function shownTotals(page: Page): Promise<Record<string, number>> {
  const pairs = await page.locator('.analytics-report:not(.stale) .totals > div').evaluateAll((divs) => divs.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent]));
  return Object.fromEntries(pairs.filter(([, v]) => /\d/.test(v!)).map(([k, v]) => [k, Number(v!.replace(/[^\d]/g, ''))]));
}

/** The rows of one top list as shown: name → clicks. */
async function shownList(page: Page, title: string): Promise<Record<string, number>> {
  const rows = await page.locator(`.analytics-report:not(.stale) ul[aria-label="${title}"] li`).evaluateAll((lis) => lis.map((li) => [li.querySelector('span')!.textContent, li.querySelector('.num')!.textContent]));
  return Object.fromEntries(rows.map(([k, v]) => [k, Number(v!.replace(/[^\d]/g, ''))]));
}

/**
 * The workspace Analytics page in real Chromium (issue 23, item 4): clicks seeded by real visits
 * (browsers and curl, some 20 days ago), a date range and a tag chosen on the page, and every
 * number shown equal to what GET /api/analytics answers for the query the page made.
 */
describe('the Analytics page in Chromium (sqlite)', () => {
  let t: TestApp;
  let b: TestBrowser;
  let key: string;
  let email: string;
  let spring: { id: string; slug: string; short_url: string };
  const clock = new ManualClock(Date.now() - 20 * DAY);

  const visit = async (slug: string, ua: string, headers: Record<string, string> = {}) => {
    expect((await http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': ua, ...headers } })).status).toBe(302);
  };

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { clock });
    ({ key, email } = await t.signup());
    const created = await t.api('POST', '/api/links/bulk', {
      links: [
        { url: 'https://example.com/spring?utm_source=newsletter&utm_campaign=spring', slug: 'spring', title: 'Spring sale', tags: ['spring'] },
        { url: 'https://example.com/autumn', slug: 'autumn', title: 'Autumn sale', tags: ['autumn'] },
      ],
    }, key);
    expect(created.status, created.text).toBe(201);
    spring = created.json().data[0];
    // 20 days ago: two people on the spring link (outside "7 days", inside "30 days").
    await visit('spring', CHROME);
    await visit('spring', FIREFOX);
    clock.set(Date.now());
    // Today: three people and two curl scripts on spring; two people and a script on autumn.
    await visit('spring', CHROME, { referer: 'https://news.example/post' });
    await visit('spring', CHROME);
    await visit('spring', FIREFOX);
    await visit('spring', CURL);
    await visit('spring', CURL);
    await visit('autumn', FIREFOX);
    await visit('autumn', CHROME);
    await visit('autumn', CURL);
    // The server's clock stands still from here: a moment past the last click, so "until now" holds them all.
    clock.set(Date.now() + 1000);
    await t.api('GET', '/api/links', undefined, key); // the clicks have reached the database
    b = await launchBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  /** What GET /api/analytics answers, with the page's session-less twin: the API key. */
  const apiFor = async (search: string) => {
    const res = await t.api('GET', `/api/analytics${search}`, undefined, key);
    expect(res.status, res.text).toBe(200);
    return res.json();
  };

  it('a date range and a tag: totals and top lists equal the API’s; bots toggle; shared URL; CSV export', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = watchPage(page);
    const asked: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/analytics') asked.push(u.search);
    });
    await logIn(page, t.url, email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { level: 1, name: 'Analytics' }).waitFor();

    // Default (30 days): all people of the workspace, old ones included.
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: 7 });

    // 7 days, tag "spring".
    await page.getByRole('group', { name: 'Date range' }).getByRole('button', { name: '7 days' }).click();
    await page.getByLabel('Tag').selectOption('spring');
    await page.waitForURL(/range=7d/);
    expect(new URL(page.url()).searchParams.get('tag')).toBe('spring');
    await expect.poll(() => asked.at(-1) ?? '').toContain('tag=spring');
    const query = asked.at(-1)!;
    expect(new URLSearchParams(query).get('bots')).toBeNull();
    const api = await apiFor(query);
    expect(api.total).toBe(3); // today's three people on spring: not the old two, not the scripts, not autumn
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: api.total, Leads: api.leads, Sales: api.sales });
    const browsers = Object.fromEntries(api.top.browsers.map((r: { value: string; clicks: number }) => [r.value, r.clicks]));
    expect(await shownList(page, 'Browsers')).toEqual(browsers);
    expect(await shownList(page, 'Links')).toEqual({ [spring.short_url]: api.total });
    expect(await shownList(page, 'Referrers')).toEqual(Object.fromEntries(api.top.referrers.map((r: { value: string | null; clicks: number }) => [r.value ?? 'Direct', r.clicks])));

    // Bots on: the page adds the bots apart, as the API counts them for the same query.
    await page.getByLabel('Include bots').check();
    await page.waitForURL(/bots=true/);
    await expect.poll(() => asked.some((q) => new URLSearchParams(q).get('bots') === 'true')).toBe(true);
    const withBots = await apiFor(asked.find((q) => new URLSearchParams(q).get('bots') === 'true')!);
    expect(withBots.total).toBe(5);
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: api.total, 'Bot clicks': withBots.total - api.total, 'All clicks': withBots.total });
    expect(await shownList(page, 'Browsers')).toEqual(Object.fromEntries(withBots.top.browsers.map((r: { value: string | null; clicks: number }) => [r.value ?? 'Unknown', r.clicks])));
    await page.locator('.chart canvas').waitFor();
    await page.getByText('Bots', { exact: true }).waitFor(); // the chart's second series

    // The view is in the URL: a reload (or a colleague opening it) shows the same.
    await page.reload();
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: 3, 'Bot clicks': 2, 'All clicks': 5 });
    expect(await page.getByLabel('Include bots').isChecked()).toBe(true);
    expect(await page.getByLabel('Tag').inputValue()).toBe('spring');
    expect(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('true');

    // Export: the same filters, one CSV row per click counted above.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const rows = parseCsv(readFileSync((await download.path()), 'utf8'));
    expect(rows[0]).toContain('user_agent');
    expect(rows.length - 1).toBe(withBots.total);
    expect(rows.slice(1).every((r) => r[rows[0]!.indexOf('link_id')] === spring.id)).toBe(true);
    await page.getByText(`${withBots.total} rows`).waitFor();
    expect(download.suggestedFilename()).toMatch(/^linkwire-clicks-.*\.csv$/);

    // A custom range around the old visits only: the two people of 20 days ago.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    await page.getByLabel('Include bots').uncheck();
    await page.getByRole('button', { name: 'Custom' }).click();
    await page.getByLabel('From').fill(day(Date.now() - 22 * DAY));
    await page.getByLabel('To (included)').fill(day(Date.now() - 18 * DAY));
    await page.getByRole('button', { name: 'Apply range' }).click();
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=/);
    await expect.poll(() => asked.at(-1) ?? '').toContain(`from=${day(Date.now() - 22 * DAY)}`);
    const old = await apiFor(asked.at(-1)!);
    expect(old.total).toBe(2);
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: old.total });
    expect(watch.errors, watch.errors.join('\n')).toEqual([]);
    await context.close();
  });

  it('an export shows its progress while it streams and can be cancelled (nothing saved)', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await logIn(page, t.url, email);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/analytics/export**', async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    await page.goto(`${t.url}/links/analytics?bots=true`);
    await expect.poll(() => shownTotals(page)).toMatchObject({ 'All clicks': 10 });
    let downloaded = false;
    page.on('download', () => (downloaded = true));
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await page.getByRole('status').filter({ hasText: /0 of 10 rows · 0 B received/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await page.getByText('Export cancelled; nothing was saved.').waitFor();
    release();
    await page.getByRole('button', { name: 'Export CSV' }).waitFor();
    expect(downloaded).toBe(false);
    await context.close();
  });

  it('the link page has the same range and bots filters, scoped to the link', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/links/${spring.id}?range=7d&bots=true`);
    await page.getByRole('heading', { level: 1, name: 'Spring sale' }).waitFor();
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: 3, 'Bot clicks': 2, 'All clicks': 5 });
    await page.getByRole('group', { name: 'Date range' }).getByRole('button', { name: '30 days' }).click();
    await page.getByLabel('Include bots').uncheck();
    await expect.poll(() => shownTotals(page)).toMatchObject({ Clicks: 5 });
    expect(await page.locator('.totals dt', { hasText: 'Bot clicks' }).count()).toBe(0);
    await context.close();
  });

  it('at 390 px nothing overflows sideways, with bots on and a custom range open', async () => {
    const context = await newContext(b.browser, 390, 844);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await logIn(page, t.url, email);
    for (const path of ['/links/analytics?bots=true', `/links/${spring.id}?bots=true`]) {
      await page.goto(`${t.url}${path}`);
      await expect.poll(() => shownTotals(page)).toHaveProperty('Bot clicks');
      await page.getByRole('button', { name: 'Custom' }).click();
      await page.getByLabel('From').waitFor();
      await page.locator('.chart canvas').waitFor();
      await page.waitForLoadState('networkidle');
      const width = await page.evaluate<number>('document.scrollingElement.scrollWidth');
      expect(width, path).toBeLessThanOrEqual(390);
    }
    await context.close();
  });
});

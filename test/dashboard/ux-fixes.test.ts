import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { launchBrowser, logIn, newContext, requireBuiltDashboard, watchPage, type TestBrowser } from './browser.js';

/** What a person sees go wrong in the dashboard (issue 21, item 22), each in real Chromium. */
describe('dashboard fixes in Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;
  let email: string;
  let webhookId: string;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
    ({ email } = await t.signup());
    const created = await t.api('POST', '/api/links/bulk', {
      links: [
        {
          url: 'https://example.com/a/very/long/destination/path/that/goes/on/and/on?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
          slug: 'a-rather-long-slug-for-the-spring-campaign',
          title: 'Spring sale landing page for the whole northern hemisphere, second edition',
          tags: ['campaign-spring-2026', 'newsletter-subscribers', 'northern-hemisphere'],
        },
        { url: 'https://example.com/short', slug: 'short', title: 'Short' },
      ],
    });
    expect(created.status, created.text).toBe(201);
    webhookId = (await t.api('POST', '/api/webhooks', { name: 'CRM sync', url: receiver.url, events: ['link.clicked'] })).json().id;
    b = await launchBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  it('a checkbox keeps its size when its label wraps (390 px)', async () => {
    const context = await newContext(b.browser, 390, 844);
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/settings/webhooks/new`);
    await page.getByRole('heading', { level: 1, name: 'New Webhook' }).waitFor();
    const boxes = page.locator('label.check input[type="checkbox"]');
    await boxes.first().waitFor();
    const sizes = await boxes.evaluateAll((els) => els.map((e) => ({ w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height, label: e.closest('label')!.getBoundingClientRect().height })));
    // Some labels do wrap here (two lines or more), which is what squashed the boxes.
    expect(sizes.some((s) => s.label > 2 * s.h)).toBe(true);
    for (const s of sizes) expect(s.w, JSON.stringify(s)).toBeGreaterThanOrEqual(12);
    expect(new Set(sizes.map((s) => Math.round(s.w))).size).toBe(1);
    await context.close();
  });

  it('/links/new opens the New link form: no "Link not found", no console error', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = watchPage(page);
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/links/new`);
    const dialog = page.getByRole('dialog', { name: 'New link' });
    await dialog.waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByText('Link not found').count()).toBe(0);
    expect(watch.errors, watch.errors.join('\n')).toEqual([]);
    expect(watch.requests.filter((u) => u.includes('/api/links/new'))).toEqual([]);
    await dialog.getByLabel('Destination URL').fill('https://example.com/from-new');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await page.waitForURL(/\/links\/lnk_/);
    await page.getByLabel('Short URL').waitFor();
    // Closing it without saving goes back to the list.
    await page.goto(`${t.url}/links/new`);
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL(`${t.url}/links`);
    await context.close();
  });

  it('the links table fits a 390 px screen: no sideways scrolling inside it', async () => {
    const context = await newContext(b.browser, 390, 844);
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.locator('table.links tbody tr').nth(1).waitFor();
    const fit = await page.evaluate<{ scroll: number; client: number; page: number }>(
      `(() => { const wrap = document.querySelector('.table-wrap'); return { scroll: wrap.scrollWidth, client: wrap.clientWidth, page: document.scrollingElement.scrollWidth }; })()`,
    );
    expect(fit.scroll, JSON.stringify(fit)).toBeLessThanOrEqual(fit.client);
    expect(fit.page).toBeLessThanOrEqual(390);
    // Still there: the title links to the link, the short URL and the tags show.
    await page.getByRole('link', { name: /Spring sale landing page/ }).waitFor();
    await page.getByText('campaign-spring-2026').waitFor();
    await context.close();
  });

  it('Recent Deliveries shows a test send as soon as it is answered (not at the next poll)', async () => {
    const context = await newContext(b.browser);
    // No live poll in this page: only the send itself may bring the delivery into the list.
    await context.addInitScript(`{ const every = window.setInterval; window.setInterval = (fn, ms, ...rest) => (ms === 3000 ? 0 : every(fn, ms, ...rest)); }`);
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/settings/webhooks/${webhookId}`);
    await page.getByText('No deliveries yet').waitFor();
    await page.getByRole('button', { name: 'Send Test Event' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Test result' }).textContent()).toMatch(/Status 200/);
    const details = page.getByRole('button', { name: /^Details of delivery link\.clicked/ });
    await details.first().waitFor({ timeout: 5000 });
    expect(await page.getByText('No deliveries yet').count()).toBe(0);
    await context.close();
  });

  it('the Details button’s accessible name starts with its visible label (WCAG 2.5.3)', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/settings/webhooks/${webhookId}`);
    const buttons = page.locator('table.deliveries button');
    await buttons.first().waitFor();
    for (const button of await buttons.all()) {
      const visible = (await button.innerText()).trim();
      const name = await button.evaluate((el) => el.getAttribute('aria-label') ?? el.textContent ?? '');
      expect(visible).toBe('Details');
      expect(name.startsWith(visible), name).toBe(true);
    }
    await page.getByRole('button', { name: 'Details', exact: false }).first().click();
    await page.getByRole('dialog', { name: 'Delivery' }).waitFor();
    await context.close();
  });

  it('/docs carries Linkwire’s name, icon and logo, not Fastify’s or Swagger’s', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${t.url}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.title()).toBe('Linkwire API');
    const icons = await page.evaluate<string[]>(`[...document.querySelectorAll('link[rel~="icon"]')].map((e) => e.href)`);
    expect(icons.length).toBeGreaterThan(0);
    for (const href of icons) {
      expect(href).not.toMatch(/favicon-(16x16|32x32)\.png$/);
      const icon = await page.request.get(href);
      expect(icon.status()).toBe(200);
      expect(icon.headers()['content-type']).toContain('image/svg+xml');
      expect(await icon.text()).toContain('<title>Linkwire</title>');
    }
    const logo = page.locator('.swagger-ui .topbar a.link img');
    await logo.waitFor();
    const src = (await logo.getAttribute('src'))!;
    expect(src.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const svg = Buffer.from(src.slice(src.indexOf(',') + 1), 'base64').toString('utf8');
    expect(svg).toContain('Linkwire');
    expect(svg.toLowerCase()).not.toContain('fastify');
    expect(watch.errors, watch.errors.join('\n')).toEqual([]);
    await context.close();
  });
});

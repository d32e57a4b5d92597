import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseCidr } from '../../src/net/cidr.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { launchBrowser, logIn, newContext, offBoxRequests, requireBuiltDashboard, watchPage, type PageWatch, type TestBrowser } from './browser.js';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
/** Screenshots are written only by `npm run screenshots`: a test run leaves the tree as it found it. */
const SHOTS = process.env.LINKWIRE_SCREENSHOTS === '1' ? 'docs/screenshots' : null;
const shoot = async (page: Page, file: string) => {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${file}.png` });
};
/** The innermost elements sticking out on the right, to say what overflows. */
const WIDEST = `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > innerWidth + 1)).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40)).join(' | ')`;

/**
 * Every page, filled with data, at desktop width and at 390 px: it renders with no console error,
 * nothing overflows sideways on a phone, and (`npm run screenshots`) a screenshot goes to docs/screenshots/.
 */
describe('dashboard pages in Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;
  let email: string;
  let linkId: string;
  let webhookId: string;
  const pages: [name: string, path: string, ready: string][] = [];

  beforeAll(async () => {
    requireBuiltDashboard();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
    const me = await t.signup();
    email = me.email;
    await t.api('PATCH', '/api/workspace', { name: 'Acme marketing' });
    const created = await t.api('POST', '/api/links/bulk', {
      links: [
        { url: 'https://example.com/spring-sale', slug: 'spring', title: 'Spring sale landing page', tags: ['campaign', 'spring'], monitor: true },
        { url: 'https://example.com/docs/getting-started', slug: 'guide', title: 'Getting started guide', tags: ['docs'] },
        { url: 'https://example.com/app', slug: 'app', title: 'Download the app', rules: [{ what: 'os', matches: ['iOS'], url: 'https://apps.example.com/ios' }] },
        { url: 'https://example.com/webinar', slug: 'webinar', title: 'Webinar signup', expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString(), max_clicks: 500 },
      ],
    });
    expect(created.status, created.text).toBe(201);
    linkId = created.json().data[0].id;
    const hook = await t.api('POST', '/api/webhooks', { name: 'CRM sync', url: receiver.url, events: ['link.clicked', 'qr.scanned', 'link.created'] });
    webhookId = hook.json().id;
    await t.api('POST', '/api/webhooks', { name: 'Slack #growth', url: receiver.urlFor('127.0.0.1', '/slack'), events: ['*'], format: 'slack', active: false });
    for (const [ref, qr] of [['https://news.example/a', ''], ['https://social.example/p', ''], ['', '?qr=1'], ['https://news.example/b', '']] as const) {
      await http(t.url, 'GET', `/spring${qr}`, { headers: { 'user-agent': UA, ...(ref ? { referer: ref } : {}) } });
    }
    await until('deliveries', () => receiver.requests.length >= 4);
    await t.api('POST', '/api/domains', { hostname: 'go.acme.example' });
    await t.api('POST', '/api/workspace/members', { email: 'dana@acme.example', role: 'admin' });
    await t.api('POST', '/api/workspace/api-keys', { name: 'CI deploys', scopes: ['links:write'] });
    pages.push(
      ['login', '/login', 'Log in to Linkwire'],
      ['signup', '/signup', 'Create your Linkwire account'],
      ['links', '/links', 'Links'],
      ['analytics', '/links/analytics?bots=true', 'Analytics'],
      ['link-detail', `/links/${linkId}`, 'Spring sale landing page'],
      ['link-edit', `/links/${linkId}/edit`, 'Edit'],
      ['webhooks', '/settings/webhooks', 'Webhooks'],
      ['webhook-new', '/settings/webhooks/new', 'New Webhook'],
      ['webhook-detail', `/settings/webhooks/${webhookId}`, 'CRM sync'],
      ['domains', '/settings/domains', 'Domains'],
      ['members', '/settings/members', 'Members'],
      ['api-keys', '/settings/api-keys', 'API keys'],
      ['workspace', '/settings/workspace', 'Workspace'],
      ['events', '/settings/events', 'Events'],
      ['security', '/settings/security', 'Security'],
    );
    b = await launchBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  async function visitAll(page: Page, watch: PageWatch, width: number, suffix: string) {
    for (const [name, path, heading] of pages) {
      if (name === 'login' || name === 'signup') continue;
      await page.goto(`${t.url}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      if (name === 'link-detail' || name === 'analytics') await page.locator('.chart canvas').waitFor();
      // One of the four visits above came from the printed code (?qr=1).
      if (name === 'link-detail') await page.getByText('1 visit from the QR code').waitFor();
      const overflow = await page.evaluate<number>('document.scrollingElement.scrollWidth');
      const wide = overflow > width ? await page.evaluate<string>(WIDEST) : '';
      expect(overflow, `${name} at ${width}px: ${wide}`).toBeLessThanOrEqual(width);
      await shoot(page, `${name}-${suffix}`);
    }
    expect(watch.errors, watch.errors.join('\n')).toEqual([]);
    expect(offBoxRequests(watch.requests)).toEqual([]);
  }

  for (const [width, height, suffix] of [
    [1280, 860, 'desktop'],
    [390, 844, 'mobile'],
  ] as const) {
    it(`renders every page at ${width} px with no console error, nothing off the box, no sideways overflow`, async () => {
      const context = await newContext(b.browser, width, height);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const watch = watchPage(page);
      for (const [name, path, heading] of pages.filter(([n]) => n === 'login' || n === 'signup')) {
        await page.goto(`${t.url}${path}`);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await shoot(page, `${name}-${suffix}`);
      }
      await logIn(page, t.url, email);
      await visitAll(page, watch, width, suffix);
      await context.close();
    });
  }

  it('works from the keyboard: a dialog opens with Enter, takes focus, closes with Escape', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.getByRole('button', { name: 'New link' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New link' });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement.closest("dialog") !== null')).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate('document.activeElement.textContent')).toBe('New link');
    await context.close();
  });

  it('Copy falls back to selecting the text where the clipboard API is missing (plain HTTP)', async () => {
    const context = await newContext(b.browser);
    await context.addInitScript('Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined })');
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/links/${linkId}`);
    const field = page.getByLabel('Short URL');
    await field.waitFor();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText(/Copied to the clipboard|press Ctrl\+C/).waitFor();
    const value = await field.inputValue();
    const selected = await field.evaluate((el) => {
      const input = el as unknown as { selectionStart: number; selectionEnd: number };
      return input.selectionEnd - input.selectionStart;
    });
    expect(selected).toBe(value.length);
    await context.close();
  });

  it('imports a CSV with progress and a per-row error report, exports CSV, edits a link with a rule', async () => {
    const me = await t.signup();
    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const watch = watchPage(page);
    await logIn(page, t.url, me.email);
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import links from CSV' });
    const rows = ['url,slug,title,tags', 'https://example.com/1,imp-1,"One, with comma",a|b', 'not a url,imp-2,Bad,', 'https://example.com/3,imp-3,Three,c', 'https://example.com/4,imp-4,@SUM(A1) four,'];
    await dialog.getByLabel('CSV file').setInputFiles({ name: 'links.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await dialog.getByText('4 of 4 rows processed · 3 created · 1 failed').waitFor();
    expect(await dialog.getByRole('progressbar', { name: 'Import progress' }).getAttribute('value')).toBe('4');
    const report = dialog.getByRole('table', { name: 'Rows not imported' });
    expect(await report.locator('tbody tr').count()).toBe(1);
    expect(await report.locator('tbody td').first().textContent()).toBe('3');
    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
    await page.getByRole('link', { name: 'One, with comma' }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync((await download.path()), 'utf8');
    // The one CSV module (src/csv/csv.ts), with the CLI's columns: a BOM for spreadsheets, formulas inert.
    expect(csv.split('\r\n')[0]).toMatch(/^\ufeffid,short_url,url,slug,domain,title,tags,/);
    expect(csv).toMatch(/,imp-4,[^,]*,'@SUM\(A1\) four,/);
    expect(csv).toContain('https://example.com/1,imp-1,');
    expect(csv).toContain('"One, with comma",a|b');

    await page.getByRole('link', { name: 'Three' }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByText('Routing rules').first().click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('group', { name: 'Rule 1' }).getByLabel('Matches').fill('CA, US');
    await page.getByRole('group', { name: 'Rule 1' }).getByLabel('Go to URL').fill('https://example.com/na');
    await page.getByText('Expiry and limits').click();
    await page.getByLabel('Click limit').fill('10');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('limit 10 clicks').waitFor();
    const saved = (await t.api('GET', `/api/links?search=imp-3`, undefined, me.key)).json().data[0];
    expect(saved.rules).toEqual([{ what: 'country', matches: ['CA', 'US'], url: 'https://example.com/na' }]);
    expect(saved.max_clicks).toBe(10);
    // Chromium logs each refused request: the batch with the bad row, then the bad row alone. Nothing else.
    expect(watch.errors).toEqual(Array(2).fill('console: Failed to load resource: the server responded with a status of 400 (Bad Request)'));
    await context.close();
  });

  it('a member of two workspaces picks one in the top bar', async () => {
    const owner = await t.signup();
    const member = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: member.email, role: 'member' }, owner.key);
    const context = await newContext(b.browser);
    const page = await context.newPage();
    await logIn(page, t.url, member.email);
    const picker = page.getByRole('combobox', { name: 'Workspace' });
    expect(await picker.locator('option').count()).toBe(2);
    const current = await picker.inputValue();
    const target = current === owner.workspaceId ? member.workspaceId : owner.workspaceId;
    await picker.selectOption(target);
    await expect.poll(async () => (await (await page.request.get(`${t.url}/api/workspace`)).json()).id).toBe(target);
    expect(await picker.inputValue()).toBe(target);
    await context.close();
  });

  it('shows API errors next to the field they concern', async () => {
    const context = await newContext(b.browser);
    const page = await context.newPage();
    await logIn(page, t.url, email);
    await page.goto(`${t.url}/settings/webhooks/new`);
    await page.getByLabel('Name', { exact: true }).fill('Bad');
    await page.getByLabel('Endpoint URL').fill('http://10.0.0.1/hook');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const url = page.getByLabel('Endpoint URL');
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await url.getAttribute('aria-describedby'))!.split(' ')[0]!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/^url /);
    await context.close();
  });

  it('the links page is usable with 1 000 links (time measured for the notes)', async () => {
    const me = await t.signup();
    for (let batch = 0; batch < 20; batch++) {
      const links = Array.from({ length: 50 }, (_, i) => ({ url: `https://example.com/p/${batch * 50 + i}`, title: `Page ${batch * 50 + i}`, tags: [`batch-${batch}`] }));
      expect((await t.api('POST', '/api/links/bulk', { links }, me.key)).status).toBe(201);
    }
    const context = await newContext(b.browser);
    const page = await context.newPage();
    await logIn(page, t.url, me.email);
    const started = Date.now();
    await page.goto(`${t.url}/links`);
    await page.locator('table.links tbody tr').nth(49).waitFor();
    const usableMs = Date.now() - started;
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.getByText('Page 2').count()).toBe(1);
    await page.getByLabel('Search').fill('Page 999');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('table.links tbody tr').count()).toBe(1);
    console.log(`links page with 1000 links: usable after ${usableMs} ms (navigation to 50 rows rendered)`);
    await context.close();
  });
});

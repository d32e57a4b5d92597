/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate callbacks run in Chromium: the DOM types describe what they touch there.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseCidr } from '../../src/net/cidr.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { createLink } from '../helpers/links.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { launchBrowser, logIn, newContext, offBoxRequests, requireBuiltDashboard, watchPage, type PageWatch, type TestBrowser } from './browser.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** Every control on the page (inputs, selects, text areas, buttons) that has no accessible name. */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const unnamed: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('input, select, textarea, button')) {
      if (el.closest('[hidden]') || (el as HTMLInputElement).type === 'hidden') continue;
      const labelled = (el as HTMLInputElement).labels?.length ?? 0;
      const aria = el.getAttribute('aria-label') ?? '';
      const byIds = (el.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean).map((id) => document.getElementById(id)?.textContent?.trim() ?? '').join('');
      const text = el.tagName === 'BUTTON' ? (el.textContent ?? '').trim() : '';
      if (labelled === 0 && !aria.trim() && !byIds && !text) unnamed.push(el.outerHTML.slice(0, 120));
    }
    return unnamed;
  });
}

/** SPEC §5/§5b in the dashboard: New Webhook offers every format with a preview and a caller's own secret; a link's page takes several URLs at once. */
describe('dashboard: webhook formats, own secret and pasted link webhooks in Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;
  let page: Page;
  let watch: PageWatch;
  let user: Awaited<ReturnType<TestApp['signup']>>;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
    user = await t.signup();
    b = await launchBrowser();
    // A phone's width: everything must work at 390 px.
    const context = await newContext(b.browser, 390, 844);
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    watch = watchPage(page);
    await logIn(page, t.url, user.email);
  });

  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  const hooks = async () => (await t.api('GET', '/api/webhooks?limit=100', undefined, user.key)).json().data as any[];

  it('New Webhook offers the eight formats, each with its description and a sample payload of the chosen event', async () => {
    await page.goto(`${t.url}/settings/webhooks/new`);
    const format = page.getByRole('combobox', { name: 'Format' });
    expect(await format.locator('option').allTextContents()).toEqual([
      'Standard (Linkwire JSON)',
      'Slack message',
      'Discord message',
      'AWSYS.CO',
      'noBSredir',
      'Linkzly',
      'snip.sa',
      'Linkly',
    ]);
    const preview = page.getByRole('figure').locator('pre');
    await expect.poll(() => preview.textContent()).toContain('"type": "link.clicked"');

    await format.selectOption({ label: 'snip.sa' });
    await expect.poll(async () => page.locator(`[id="${(await format.getAttribute('aria-describedby'))!}"]`).textContent()).toMatch(/x-snip-signature/);
    await expect.poll(() => preview.textContent()).toContain('"event": "url.clicked"');
    expect(JSON.parse((await preview.textContent())!).data).toMatchObject({ shortCode: 'sample', click: { country: expect.any(String) } });

    await format.selectOption({ label: 'Linkly' });
    await expect.poll(() => preview.textContent()).toContain('"event": "click"');
    expect(JSON.parse((await preview.textContent())!).link).toMatchObject({ slug: '/sample', enabled: true, cloaking: false, public_analytics: false });

    // The sample follows the event chosen: the first one ticked.
    await page.getByRole('checkbox', { name: /^link\.clicked / }).uncheck();
    await page.getByRole('checkbox', { name: /^link\.created / }).check();
    await format.selectOption({ label: 'AWSYS.CO' });
    await expect.poll(() => preview.textContent()).toContain('"type": "link.created"');
    await expect.poll(() => page.getByRole('figure').locator('figcaption').textContent()).toContain('AWSYS.CO');

    expect(await unnamedControls(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('takes a secret of one’s own, refuses a short one in words before sending, and signs deliveries with it', async () => {
    await page.goto(`${t.url}/settings/webhooks/new`);
    await page.getByLabel('Endpoint URL').fill(receiver.urlFor('127.0.0.1', '/own-secret'));
    await page.getByRole('checkbox', { name: /Bring your own secret/ }).check();
    const secretField = page.getByLabel('Your secret');
    await secretField.fill('too-short');
    const before = (await hooks()).length;
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await expect.poll(() => secretField.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('Must be 16 to 256 characters (this one has 9).').waitFor();
    expect(await hooks()).toHaveLength(before);

    const mine = 'my old service secret 0123';
    await secretField.fill(mine);
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('you will not see it again').waitFor();
    expect(await page.getByLabel('Signing secret').inputValue()).toBe(mine);
    const hook = (await hooks()).find((h) => h.url.endsWith('/own-secret'));
    expect(hook.name).toBe('127.0.0.1'); // no name given: the URL's host

    const sent = await t.api('POST', `/api/webhooks/${hook.id}/test`, {}, user.key);
    expect(sent.json().success, sent.text).toBe(true);
    const [delivery] = receiver.requests.filter((r) => r.path === '/own-secret');
    expect(delivery!.headers['x-linkwire-signature']).toBe(`sha256=${createHmac('sha256', mine).update(delivery!.rawBody).digest('hex')}`);
  });

  it('on a link’s page, several pasted URLs become one link webhook each; a refused one stays with its reason', async () => {
    const link = await createLink(t, user.key, { url: 'https://example.com/pasted', slug: 'pasted' });
    await page.goto(`${t.url}/links/${link.id}`);
    const box = page.getByLabel('Webhook URLs, one per line');
    const [first, second] = [receiver.urlFor('127.0.0.1', '/pasted-1'), receiver.urlFor('127.0.0.1', '/pasted-2')];
    await box.fill(`${first}\n\n  ${second}  \nhttp://10.0.0.1/hook\n${first}`);
    await page.getByRole('combobox', { name: 'Format of these webhooks' }).selectOption({ label: 'Linkly' });
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Add webhooks' }).click();

    await page.getByText('2 webhooks added.', { exact: false }).waitFor();
    await page.getByRole('alert').getByText('http://10.0.0.1/hook').waitFor();
    expect(await box.inputValue()).toBe('http://10.0.0.1/hook');
    expect(await page.getByLabel(`Signing secret for ${first}`).inputValue()).toMatch(/^whsec_/);
    expect(await page.getByLabel(`Signing secret for ${second}`).inputValue()).toMatch(/^whsec_/);
    // Listed under the link, and each receives the link's clicks in the format chosen.
    await page.getByRole('link', { name: '127.0.0.1' }).nth(1).waitFor();
    const attached = (await t.api('GET', `/api/links/${link.id}/webhooks`, undefined, user.key)).json().data as any[];
    expect(attached.map((h) => [h.url, h.events, h.format]).sort()).toEqual([
      [first, ['link.clicked'], 'linkly'],
      [second, ['link.clicked'], 'linkly'],
    ]);
    expect((await http(t.url, 'GET', '/pasted', { headers: { 'user-agent': UA } })).status).toBe(302);
    const delivered = await until('both pasted webhooks delivered', () => {
      const got = receiver.requests.filter((r) => r.path.startsWith('/pasted-'));
      return got.length >= 2 ? got : null;
    });
    expect(delivered.map((r) => [r.path, JSON.parse(r.rawBody).event]).sort()).toEqual([
      ['/pasted-1', 'click'],
      ['/pasted-2', 'click'],
    ]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('raised no page errors and reached nothing off the box', () => {
    // The one refused URL's 400 is the browser's console line for an answer it was meant to get.
    expect(watch.errors.filter((e) => !e.includes('status of 400 (Bad Request)'))).toEqual([]);
    expect(watch.errors.length).toBeLessThanOrEqual(1);
    expect(offBoxRequests(watch.requests)).toEqual([]);
  });
});

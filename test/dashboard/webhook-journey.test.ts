import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseCidr } from '../../src/net/cidr.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { sleep, until } from '../helpers/wait.js';
import { launchBrowser, logIn, newContext, offBoxRequests, requireBuiltDashboard, watchPage, type PageWatch, type TestBrowser } from './browser.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const MARKUP_TITLE = '<img src=x onerror="window.__owned=1"><b>Spring sale</b>';

/**
 * The journey the issue describes, in real Chromium against a real server and a real HTTPS receiver:
 * log in → create a link → New Webhook → copy the secret → Send Test Event → a click shows up in
 * Recent Deliveries → filter → replay → pause → rotate.
 */
describe('dashboard: the webhook journey in Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;
  let page: Page;
  let watch: PageWatch;
  let email: string;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
    ({ email } = await t.signup());
    b = await launchBrowser();
    const context = await newContext(b.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    watch = watchPage(page);
  });

  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  const click = (slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA } });

  let secret = '';
  let webhookPath = '';

  it('logs in and creates a link whose title with markup renders as text', async () => {
    await logIn(page, t.url, email);
    await page.getByRole('button', { name: 'New link' }).click();
    const dialog = page.getByRole('dialog', { name: 'New link' });
    await dialog.getByLabel('Destination URL').fill('https://example.com/spring');
    await dialog.getByLabel('Slug', { exact: true }).fill('spring');
    await dialog.getByLabel('Title', { exact: true }).fill(MARKUP_TITLE);
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const heading = page.getByRole('heading', { level: 1 });
    await expect.poll(() => heading.textContent()).toBe(MARKUP_TITLE);
    expect(await heading.locator('b, img').count()).toBe(0);
    expect(await page.evaluate('typeof window.__owned')).toBe('undefined');
    expect(await page.getByLabel('Short URL').inputValue()).toMatch(/\/spring$/);
  });

  it('creates a webhook and shows its secret once, with a working Copy button', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'New Webhook' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('CRM');
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    // Events come grouped with their descriptions from /api/event-types; link.clicked is preselected.
    await expect.poll(() => page.getByRole('checkbox', { name: /^link\.clicked / }).isChecked()).toBe(true);
    await page.getByLabel('Filter (optional)').fill('data.click.country in [US');
    await page.getByText(/filter:/).waitFor(); // inline validation while typing
    await page.getByLabel('Filter (optional)').fill('');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('you will not see it again').waitFor();
    secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText(/Copied to the clipboard|press Ctrl\+C/).waitFor();
    const copied = await page.evaluate('navigator.clipboard.readText()');
    expect(copied).toBe(secret);
    await page.getByRole('link', { name: /open the webhook/ }).click();
    await page.getByRole('heading', { name: 'CRM' }).waitFor();
    webhookPath = new URL(page.url()).pathname;
  });

  it('Send Test Event shows 200 and a time, and the receiver verifies it with the secret', async () => {
    await page.getByRole('button', { name: 'Send Test Event' }).click();
    const result = page.getByRole('status', { name: 'Test result' });
    await expect.poll(() => result.textContent()).toMatch(/Status 200 · response time \d+ ms/);
    const [test] = await receiver.waitForRequests(1);
    expect(new Webhook(secret).verify(test!.rawBody, test!.headers)).toMatchObject({ type: 'link.clicked' });
  });

  it('a click appears live in Recent Deliveries; filtering by failure hides it', async () => {
    const sentBefore = receiver.requests.length;
    expect((await click('spring')).status).toBe(302);
    const delivery = (await receiver.waitForRequests(sentBefore + 1, 10_000))[sentBefore];
    expect(delivery!.headers['x-linkwire-event']).toBe('link.clicked');
    expect(new Webhook(secret).verify(delivery!.rawBody, delivery!.headers)).toBeTruthy();
    const eventId = JSON.parse(delivery!.rawBody).id as string;
    // No reload: the list polls while open.
    const row = page.locator('tr', { has: page.getByRole('button', { name: /^Details of delivery link\.clicked/ }) }).filter({ hasNot: page.getByText('test', { exact: true }) });
    await row.first().waitFor({ timeout: 10_000 });
    await expect.poll(() => row.first().getByText('succeeded').count()).toBe(1);

    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No deliveries match').waitFor();
    expect(await row.count()).toBe(0);
    await page.getByLabel('Status').selectOption('');
    await row.first().waitFor();

    // Open it and replay: the same webhook-id arrives again.
    await row.first().getByRole('button', { name: /^Details of delivery/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delivery' });
    await expect.poll(() => dialog.innerText()).toContain(`event ${eventId}`);
    await dialog.getByRole('heading', { name: 'Attempts' }).waitFor();
    const before = receiver.requests.filter((r) => r.headers['webhook-id'] === eventId).length;
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.getByText(/Queued again/).waitFor();
    await until('replayed delivery', () => receiver.requests.filter((r) => r.headers['webhook-id'] === eventId).length > before, 10_000);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('Pause stops deliveries: nothing arrives for a new click', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByText('Paused', { exact: true }).waitFor();
    const count = receiver.requests.length;
    expect((await click('spring')).status).toBe(302);
    // The click is recorded (two link.clicked events now) …
    await until('second click recorded', async () => {
      const events = (await t.api('GET', '/api/events?type=link.clicked')).json<{ data: unknown[] }>();
      return events.data.length >= 2;
    });
    await sleep(2000); // … and the worker had time to send, yet sent nothing.
    expect(receiver.requests.length).toBe(count);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
  });

  it('Rotate secret: the new secret verifies, the old one no longer does', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate secret' });
    await dialog.getByLabel('Keep the old secret valid for').selectOption('0');
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    const fresh = await dialog.getByLabel('Signing secret').inputValue();
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const count = receiver.requests.length;
    await page.getByRole('button', { name: 'Send Test Event' }).click();
    const latest = (await receiver.waitForRequests(count + 1))[count]!;
    expect(new Webhook(fresh).verify(latest.rawBody, latest.headers)).toBeTruthy();
    expect(() => new Webhook(secret).verify(latest.rawBody, latest.headers)).toThrow();
    expect(webhookPath).toMatch(/^\/settings\/webhooks\/wh_/);
  });

  it('Delete asks first, then the webhook is gone', async () => {
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this webhook?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await t.api('GET', '/api/webhooks')).json().data).toHaveLength(1);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks yet').waitFor();
    expect((await t.api('GET', '/api/webhooks')).json().data).toHaveLength(0);
  });

  it('logged no console error and made no request beyond 127.0.0.1', () => {
    expect(watch.errors, watch.errors.join('\n')).toEqual([]);
    expect(watch.requests.length).toBeGreaterThan(10);
    expect(offBoxRequests(watch.requests)).toEqual([]);
  });
});

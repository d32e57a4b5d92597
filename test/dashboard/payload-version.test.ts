/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate callbacks run in Chromium: the DOM types describe what they touch there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseCidr } from '../../src/net/cidr.js';
import { parseDestinationPrefixes } from '../../src/outbound/destinations.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { launchBrowser, logIn, newContext, requireBuiltDashboard, type TestBrowser } from './browser.js';

/** Every control on the page without an accessible name (run in the page). */
const UNNAMED_CONTROLS = `(() => {
  const unnamed = [];
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.closest('[hidden]') || el.type === 'hidden' || el.closest('dialog:not([open])')) continue;
    const labelled = el.labels ? el.labels.length : 0;
    const aria = (el.getAttribute('aria-label') || '').trim();
    const text = el.tagName === 'BUTTON' ? (el.textContent || '').trim() : '';
    if (labelled === 0 && !aria && !text) unnamed.push(el.outerHTML.slice(0, 120));
  }
  return unnamed;
})()`;

/** SPEC §5c in the dashboard: a webhook's payload version, its upgrade (preview, test, then switch), and the broker prefixes New Webhook accepts. */
describe('dashboard: payload version upgrade in Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;
  let page: Page;
  let user: Awaited<ReturnType<TestApp['signup']>>;

  beforeAll(async () => {
    requireBuiltDashboard();
    receiver = await startReceiver();
    t = await startTestApp('sqlite', {
      config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')], destinations: parseDestinationPrefixes('nats://127.0.0.1:4222,redis://127.0.0.1:6379') },
    });
    user = await t.signup();
    b = await launchBrowser();
    const context = await newContext(b.browser, 390, 844);
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await logIn(page, t.url, user.email);
  });

  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  const versionOf = async (id: string) => (await t.api('GET', `/api/webhooks/${id}`, undefined, user.key)).json().payload_version as string;

  it('previews the next version, refuses to switch when its test fails, and switches after a test the endpoint accepts', async () => {
    const hook = (await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/upgrade'), events: ['link.clicked'], payload_version: '2026-12-01' }, user.key)).json();
    await page.goto(`${t.url}/settings/webhooks/${hook.id}`);
    await expect.poll(() => page.getByLabel('Pinned payload version').textContent()).toBe('2026-12-01');

    await page.getByRole('button', { name: 'Upgrade to 2027-01-01' }).click();
    const preview = page.getByLabel('Sample payload in 2027-01-01');
    await expect.poll(() => preview.textContent()).toContain('"short_url"');
    const sample = JSON.parse((await preview.textContent())!);
    expect(Object.keys(sample.data.link)).toEqual(['id', 'domain', 'slug', 'url', 'short_url', 'title', 'tags']);
    expect(await page.evaluate<string[]>(UNNAMED_CONTROLS)).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    // The endpoint refuses the new shape: the test fails and the webhook stays where it was.
    receiver.setResponder(() => ({ status: 422, body: 'unknown field' }));
    await page.getByRole('button', { name: 'Send test and switch to 2027-01-01' }).click();
    await page.getByText('The test at 2027-01-01 failed (422').waitFor();
    expect(await versionOf(hook.id)).toBe('2026-12-01');

    // It accepts it: the test goes out at 2027-01-01, then the webhook switches.
    receiver.setResponder(() => ({ status: 200 }));
    await page.getByRole('button', { name: 'Send test and switch to 2027-01-01' }).click();
    await expect.poll(() => page.getByLabel('Pinned payload version').textContent()).toBe('2027-01-01');
    expect(await versionOf(hook.id)).toBe('2027-01-01');
    const tests = receiver.requests.filter((r) => r.path === '/upgrade');
    expect(tests.map((r) => r.headers['webhook-version'])).toEqual(['2027-01-01', '2027-01-01']);
    expect(Object.keys(JSON.parse(tests[1]!.rawBody).data.link)).toEqual(['id', 'domain', 'slug', 'url', 'short_url', 'title', 'tags']);
    // The newest: nothing to upgrade to.
    await until('upgrade gone', async () => (await page.getByRole('button', { name: /^Upgrade to/ }).count()) === 0);
  });

  it('New Webhook says which broker prefixes the server allows', async () => {
    await page.goto(`${t.url}/settings/webhooks/new`);
    await page.getByText('Or a message broker under: nats://127.0.0.1:4222, redis://127.0.0.1:6379.').waitFor();
  });
});

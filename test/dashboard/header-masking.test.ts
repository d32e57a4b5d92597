import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { createLink } from '../helpers/links.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { launchBrowser, logIn, newContext, requireBuiltDashboard, type TestBrowser } from './browser.js';

/*
 * Custom header values are write-only in the dashboard too (issue 21 item 11, SPEC §5): a viewer
 * opening a webhook and one of its deliveries sees the credential masked, never the value.
 */

const CREDENTIAL = 'Bearer sk_live_dashboard_0123456789_1a2b';

describe('dashboard: custom header values are masked, for a viewer too', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  it('shows ••••1a2b in the delivery’s request headers, and the value nowhere on the page', async () => {
    const viewer = await t.signup();
    const owner = await t.signup();
    // `viewer`: the read-only role (SPEC §2).
    expect((await t.api('POST', '/api/workspace/members', { email: viewer.email, role: 'viewer' }, owner.key)).status).toBe(201);
    const hook = await t.api('POST', '/api/webhooks', { name: 'CRM', url: receiver.url, events: ['link.created'], headers: { Authorization: CREDENTIAL } }, owner.key);
    expect(hook.status, hook.text).toBe(201);
    await createLink(t, owner.key, { url: 'https://example.com/masked' });
    const [delivered] = await receiver.waitForRequests(1, 15_000);
    expect(delivered!.headers['authorization']).toBe(CREDENTIAL);
    await until('the delivery is logged', async () => (await http(t.url, 'GET', `/api/webhooks/${hook.json().id}/deliveries?status=succeeded`, { token: owner.key })).json().data.length > 0);

    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await logIn(page, t.url, viewer.email);
    const picker = page.getByRole('combobox', { name: 'Workspace' });
    await picker.selectOption(owner.workspaceId);
    await expect.poll(async () => (await (await page.request.get(`${t.url}/api/workspace`)).json()).id).toBe(owner.workspaceId);
    expect((await (await page.request.get(`${t.url}/api/workspace/members`)).json()).data.find((m: { email: string }) => m.email === viewer.email).role).toBe('viewer');

    await page.goto(`${t.url}/settings/webhooks/${hook.json().id}`);
    await page.getByRole('button', { name: /Details of delivery link\.created/ }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Delivery' });
    const authorization = dialog.locator('tr', { has: page.getByRole('rowheader', { name: 'Authorization' }) });
    await expect.poll(() => authorization.locator('td').textContent()).toBe('••••1a2b');
    expect(await page.content()).not.toContain('sk_live');
    await context.close();
  });
});

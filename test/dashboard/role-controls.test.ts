import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseCidr } from '../../src/net/cidr.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { createLink } from '../helpers/links.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { launchBrowser, logIn, newContext, requireBuiltDashboard, watchPage, type TestBrowser } from './browser.js';

/*
 * Controls a role cannot use are hidden, with the reason in their place (issue 22 item 4, SPEC §2):
 * a viewer is offered no change anywhere; an editor makes links and webhooks but is not offered
 * domains or API keys. The same table (src/accounts/permissions.ts) answers the API.
 */
describe('dashboard: what each role is offered', () => {
  let t: TestApp;
  let receiver: Receiver;
  let b: TestBrowser;
  let owner: Awaited<ReturnType<TestApp['signup']>>;
  let linkId: string;
  let hookId: string;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
    b = await launchBrowser();
    owner = await t.signup();
    linkId = (await createLink(t, owner.key, { url: 'https://example.com/roles' })).id;
    const hook = await t.api('POST', '/api/webhooks', { name: 'CRM', url: receiver.url, events: ['link.created'] }, owner.key);
    expect(hook.status, hook.text).toBe(201);
    hookId = hook.json().id;
    expect((await t.api('POST', '/api/domains', { hostname: 'go.roles.test' }, owner.key)).status).toBe(201);
  });
  afterAll(async () => {
    await b?.close();
    await receiver?.close();
    await t?.close();
  });

  /** A person with `role` in the owner's workspace, signed in to it in a fresh browser context. */
  async function signedInAs(role: 'viewer' | 'editor'): Promise<{ page: Page; close: () => Promise<void>; errors: string[] }> {
    const person = await t.signup();
    expect((await t.api('POST', '/api/workspace/members', { email: person.email, role }, owner.key)).status).toBe(201);
    const context = await newContext(b.browser);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const watch = watchPage(page);
    await logIn(page, t.url, person.email);
    await page.getByRole('combobox', { name: 'Workspace' }).selectOption(owner.workspaceId);
    await expect.poll(async () => (await (await page.request.get(`${t.url}/api/workspace`)).json()).id).toBe(owner.workspaceId);
    return { page, close: () => context.close(), errors: watch.errors };
  }

  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  const link = (page: Page, name: string) => page.getByRole('link', { name, exact: true });
  const note = (page: Page, text: string) => page.getByRole('note').filter({ hasText: text }).first();

  it('a viewer sees everything and is offered no change, each time with the reason', async () => {
    const { page, close, errors } = await signedInAs('viewer');

    await page.goto(`${t.url}/links`);
    await page.getByRole('cell').filter({ hasText: 'example.com/roles' }).first().waitFor();
    await note(page, 'Your role (viewer) cannot change links').waitFor();
    expect(await button(page, 'New link').count()).toBe(0);
    expect(await button(page, 'Import CSV').count()).toBe(0);

    await page.goto(`${t.url}/links/${linkId}`);
    await page.getByRole('heading', { name: 'Webhooks for this link' }).waitFor();
    await note(page, 'Your role (viewer) cannot change webhooks').waitFor();
    expect(await link(page, 'Edit').count()).toBe(0);
    expect(await button(page, 'Delete').count()).toBe(0);
    expect(await link(page, 'New webhook for this link').count()).toBe(0);

    await page.goto(`${t.url}/settings/webhooks`);
    await page.getByRole('link', { name: 'CRM' }).waitFor();
    expect(await link(page, 'New Webhook').count()).toBe(0);
    await page.goto(`${t.url}/settings/webhooks/${hookId}`);
    await page.getByRole('heading', { name: 'CRM' }).waitFor();
    await note(page, 'Your role (viewer) cannot change webhooks').waitFor();
    for (const name of ['Pause', 'Rotate secret', 'Delete', 'Send Test Event', 'Replay since']) expect(await button(page, name).count(), name).toBe(0);

    await page.goto(`${t.url}/settings/domains`);
    await page.getByRole('heading', { name: 'go.roles.test' }).waitFor();
    await note(page, 'Your role (viewer) cannot change domains').waitFor();
    expect(await button(page, 'Remove').count()).toBe(0);
    expect(await button(page, 'Verify').count()).toBe(0);

    await page.goto(`${t.url}/settings/api-keys`);
    await note(page, 'Your role (viewer) cannot change api keys').waitFor();
    expect(await button(page, 'Create API key').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Revoke / }).count()).toBe(0);

    expect(errors).toEqual([]);
    await close();
  }, 90_000);

  it('an editor is offered links and webhooks, not domains or API keys', async () => {
    const { page, close, errors } = await signedInAs('editor');

    await page.goto(`${t.url}/links`);
    await button(page, 'New link').waitFor();
    await button(page, 'Import CSV').waitFor();

    await page.goto(`${t.url}/links/${linkId}`);
    await link(page, 'Edit').waitFor();
    await link(page, 'New webhook for this link').waitFor();

    await page.goto(`${t.url}/settings/webhooks/${hookId}`);
    await button(page, 'Pause').waitFor();
    await button(page, 'Send Test Event').waitFor();

    await page.goto(`${t.url}/settings/domains`);
    await page.getByRole('heading', { name: 'go.roles.test' }).waitFor();
    await note(page, 'Your role (editor) cannot change domains').waitFor();
    expect(await button(page, 'Remove').count()).toBe(0);

    await page.goto(`${t.url}/settings/api-keys`);
    await note(page, 'Your role (editor) cannot change api keys').waitFor();
    expect(await page.getByRole('button', { name: /^Revoke / }).count()).toBe(0);

    expect(errors).toEqual([]);
    await close();
  }, 90_000);
});

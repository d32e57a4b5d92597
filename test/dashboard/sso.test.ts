import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestOidcProvider } from '../helpers/oidc-provider.js';
import { freePort } from '../../support/free-port.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { launchBrowser, offBoxRequests, requireBuiltDashboard, watchPage, type TestBrowser } from './browser.js';

/**
 * Single sign-on in Chromium, at phone width: the login page's "Sign in with <provider>" goes
 * through a real OpenID provider (oidc-provider on https://127.0.0.1) and lands in the dashboard
 * signed in; the invitation page offers it too.
 */
describe('single sign-on in Chromium', () => {
  let t: TestApp;
  let b: TestBrowser;
  const provider = new TestOidcProvider();
  const operator = `operator-${Date.now()}@ops.example`;

  beforeAll(async () => {
    requireBuiltDashboard();
    const issuer = await provider.listen();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    provider.configure(`${baseUrl}/api/auth/oidc/callback`);
    t = await startTestApp('sqlite', {
      listenPort: port,
      config: { baseUrl, adminEmails: new Set([operator]), oidc: { issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, name: 'Acme ID', insecureLoopback: false } },
    });
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await provider.close();
  });

  it('the login page’s SSO button goes through the provider and lands in the dashboard, signed in', async () => {
    const email = `ada-${Date.now()}@lovelace.example`;
    provider.identities.set('ada', { email, email_verified: true });
    provider.signInAs = 'ada';
    // The server verifies the provider's certificate against the test CA; the browser is only told to accept it.
    const context = await b.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: 'UTC', ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${t.url}/login?next=${encodeURIComponent('/settings/workspace')}`);
    const button = page.getByRole('link', { name: 'Sign in with Acme ID' });
    await button.click();
    await page.getByRole('button', { name: `Sign in as ${email}` }).click();
    await page.waitForURL(`${t.url}/settings/workspace`);
    await page.getByRole('heading', { name: 'Workspace', exact: true }).waitFor();
    const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
    expect(session).toMatchObject({ authenticated: true, via: 'session', workspaces: [{ role: 'owner', current: true }] });
    // Phone width: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(watch.errors).toEqual([]);
    expect(offBoxRequests(watch.requests)).toEqual([]);
    await context.close();
  }, 60_000);

  it('someone at a domain the operators let in lands in that workspace as a viewer, and the workspace page says why', async () => {
    const ops = await t.signup(operator);
    expect((await t.api('PATCH', '/api/workspace', { settings: { sso_auto_join_domains: ['acme.example'] } }, ops.key)).status).toBe(200);
    provider.identities.set('bob', { email: 'bob@acme.example', email_verified: true });
    provider.signInAs = 'bob';
    const context = await b.browser.newContext({ viewport: { width: 390, height: 844 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${t.url}/login?next=${encodeURIComponent('/settings/workspace')}`);
    await page.getByRole('link', { name: 'Sign in with Acme ID' }).click();
    await page.getByRole('button', { name: 'Sign in as bob@acme.example' }).click();
    await page.getByRole('heading', { name: 'Workspace', exact: true }).waitFor();
    await page.getByText('People with an address at acme.example join this workspace as viewers').waitFor();
    // A viewer cannot save the workspace's settings, and is told why.
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
    expect(session.workspaces).toEqual([{ id: ops.workspaceId, name: expect.any(String), role: 'viewer', current: true }]);
    expect(watch.errors).toEqual([]);
    expect(offBoxRequests(watch.requests)).toEqual([]);
    await context.close();
  }, 60_000);

  it('the invitation page offers single sign-on too; without it configured the login page shows no button', async () => {
    const context = await b.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/invite/lwi_not-a-real-token`);
    await page.getByRole('heading', { name: 'Join your team on Linkwire' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with Acme ID' }).getAttribute('href')).toBe(`/api/auth/oidc/start?next=${encodeURIComponent('/links')}`);
    await context.close();

    const plain = await startTestApp('sqlite');
    try {
      const other = await b.browser.newContext();
      const login = await other.newPage();
      const asked = login.waitForResponse((r) => r.url().endsWith('/api/auth/oidc'));
      await login.goto(`${plain.url}/login`);
      await login.getByRole('button', { name: 'Log in' }).waitFor();
      // The page asked and heard "off": still no button.
      expect(await (await asked).json()).toMatchObject({ enabled: false });
      expect(await login.getByRole('link', { name: /Sign in with/ }).count()).toBe(0);
      await other.close();
    } finally {
      await plain.close();
    }
  }, 60_000);
});

import { TOTP, Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { launchBrowser, logIn, newContext, offBoxRequests, requireBuiltDashboard, watchPage, type TestBrowser } from './browser.js';

/**
 * Two-factor sign-in in Chromium at phone width (390 px): set up on the Security page with the
 * setup key (what the QR code holds), log out, log in again with a code. The server's clock is
 * manual, so the next code is one step on, without waiting 30 s.
 */
describe('two-factor sign-in in Chromium', () => {
  let t: TestApp;
  let b: TestBrowser;
  let clock: ManualClock;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite', { clock: 'manual' });
    clock = t.clock as ManualClock;
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  // The wrong code answers 400, the login's first step 401 TWO_FACTOR_REQUIRED, the refused member 403: the browser logs those loads.
  const realErrors = (errors: string[]) => errors.filter((e) => !/Failed to load resource: the server responded with a status of 40[013]/.test(e));

  it('sets up two-factor on the Security page, then logs in with a code; a workspace that requires it sends a member to set it up', async () => {
    const owner = await t.signup();
    const context = await newContext(b.browser, 390, 844);
    const page = await context.newPage();
    const watch = watchPage(page);
    await logIn(page, t.url, owner.email);

    await page.goto(`${t.url}/settings/security`);
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByRole('img', { name: 'QR code to add Linkwire to your authenticator app' }).waitFor();
    const secret = await page.getByLabel('Or type this setup key').inputValue();
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await page.getByLabel('Authentication code').fill('000000' === totp.generate({ timestamp: clock.now() }) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('alert').filter({ hasText: 'code is wrong' }).waitFor();
    await page.getByLabel('Authentication code').fill(totp.generate({ timestamp: clock.now() }));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    const codes = page.getByRole('list', { name: 'Recovery code list' }).getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await page.getByRole('button', { name: 'Download codes' }).waitFor();
    await page.getByRole('button', { name: 'Copy codes' }).waitFor();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('status').filter({ hasText: '10 of 10 recovery codes left' }).waitFor();
    // Nothing sticks out of a phone's screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    const codeField = page.getByLabel('Authentication code');
    await codeField.waitFor();
    clock.advance(30_000); // the code that turned it on is spent
    await codeField.fill(totp.generate({ timestamp: clock.now() }));
    await page.getByRole('button', { name: 'Verify code' }).click();
    // Signed in: back where the log-out left (the Security page), two-factor still on.
    await page.waitForURL((u) => u.pathname !== '/login', { timeout: 10_000 }).catch(async (err: unknown) => {
      throw new Error(`still on the login page: ${await page.locator('main').innerText()}`, { cause: err });
    });
    await page.goto(`${t.url}/links`);
    await page.getByRole('heading', { name: 'Links', exact: true }).waitFor();

    // The owner requires it of the workspace; a member without it lands on the Security page.
    await page.goto(`${t.url}/settings/workspace`);
    await page.getByLabel('Require two-factor sign-in for every member').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const member = await t.signup();
    expect((await t.api('POST', '/api/workspace/members', { email: member.email, role: 'editor' }, owner.key)).status).toBe(201);
    const memberContext = await newContext(b.browser, 390, 844);
    const memberPage = await memberContext.newPage();
    const memberWatch = watchPage(memberPage);
    await memberPage.goto(`${t.url}/login`);
    await memberPage.getByLabel('Email').fill(member.email);
    await memberPage.getByLabel('Password').fill('correct horse battery');
    // Their own workspace is older than the membership: pick the owner's through the session switch after login.
    await memberPage.getByRole('button', { name: 'Log in' }).click();
    await memberPage.getByRole('heading', { name: 'Links', exact: true }).waitFor();
    await memberPage.getByLabel('Workspace').selectOption(owner.workspaceId);
    await memberPage.getByRole('alert').filter({ hasText: 'requires two-factor sign-in' }).waitFor();
    await memberPage.getByRole('button', { name: 'Set up two-factor sign-in' }).waitFor();
    expect(new URL(memberPage.url()).pathname).toBe('/settings/security');

    expect(realErrors([...watch.errors, ...memberWatch.errors])).toEqual([]);
    expect(offBoxRequests([...watch.requests, ...memberWatch.requests])).toEqual([]);
    await context.close();
    await memberContext.close();
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { linkIn, SmtpReceiver } from '../helpers/smtp-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { launchBrowser, logIn, newContext, offBoxRequests, requireBuiltDashboard, watchPage, type TestBrowser } from './browser.js';

/**
 * Teams in Chromium, with a real SMTP server on loopback: an invitation mailed from the Members page
 * is accepted in the browser and makes a working member; a reset mail's link sets a new password and
 * the old session stops working.
 */
describe('invitations and password resets in Chromium', () => {
  let t: TestApp;
  let b: TestBrowser;
  const smtp = new SmtpReceiver();
  /** The mailed link, pointed at this test's server (the mail carries LINKWIRE_BASE_URL). */
  const local = (link: string) => `${t.url}${new URL(link).pathname}`;

  beforeAll(async () => {
    requireBuiltDashboard();
    await smtp.start();
    t = await startTestApp('sqlite', { config: { smtpUrl: smtp.url }, mailOptions: { pollMs: 100 } });
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await smtp.stop();
  });

  it('an invitation mailed from the Members page, accepted in the browser, makes a working editor', async () => {
    const owner = await t.signup();
    const invitee = `dana-${Date.now()}@acme.example`;
    const ownerContext = await newContext(b.browser);
    const page = await ownerContext.newPage();
    const watch = watchPage(page);
    await logIn(page, t.url, owner.email);
    await page.goto(`${t.url}/settings/members`);
    await page.getByLabel('Email').fill(invitee);
    await page.getByLabel('Role', { exact: true }).selectOption('editor');
    await page.getByRole('button', { name: 'Invite member' }).click();
    await page.getByRole('status').filter({ hasText: `Invitation mailed to ${invitee}` }).waitFor();
    const row = page.getByRole('row').filter({ hasText: invitee });
    await row.getByText('invited').waitFor();
    await row.getByRole('button', { name: `Resend invitation to ${invitee}` }).waitFor();
    await row.getByRole('button', { name: `Revoke invitation to ${invitee}` }).waitFor();

    const [mail] = await until('the invitation mail', () => (smtp.to(invitee).length ? smtp.to(invitee) : null));
    const inviteeContext = await newContext(b.browser);
    const joiner = await inviteeContext.newPage();
    const joinerWatch = watchPage(joiner);
    await joiner.goto(local(linkIn(mail!, 'invite')));
    await joiner.getByRole('heading', { name: 'Join your team on Linkwire' }).waitFor();
    await joiner.getByLabel('Password').fill('a long enough password');
    await joiner.getByRole('button', { name: 'Accept invitation' }).click();
    await joiner.getByRole('heading', { name: 'Links', exact: true }).waitFor();
    // An editor makes links; member management is not offered, and says why.
    await joiner.getByRole('button', { name: 'New link' }).waitFor();
    await joiner.goto(`${t.url}/settings/members`);
    await joiner.getByRole('note').filter({ hasText: 'Your role (editor) cannot change members' }).waitFor();
    expect(await joiner.getByRole('button', { name: 'Invite member' }).count()).toBe(0);

    // The owner sees them as an active editor.
    await page.reload();
    await page.getByRole('row').filter({ hasText: invitee }).getByText('active').waitFor();
    expect(await page.getByLabel(`Role of ${invitee}`).inputValue()).toBe('editor');
    // They log in again with the password they chose.
    expect((await http(t.url, 'POST', '/api/auth/login', { body: { email: invitee, password: 'a long enough password' } })).status).toBe(200);
    expect([...watch.errors, ...joinerWatch.errors]).toEqual([]);
    expect(offBoxRequests([...watch.requests, ...joinerWatch.requests])).toEqual([]);
    await ownerContext.close();
    await inviteeContext.close();
  }, 90_000);

  it('a reset mail’s link sets a new password and ends the old session', async () => {
    const user = await t.signup();
    const oldContext = await newContext(b.browser);
    const old = await oldContext.newPage();
    await logIn(old, t.url, user.email);

    const context = await newContext(b.browser);
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${t.url}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('status').filter({ hasText: 'a link to reset its password is on its way' }).waitFor();

    const [mail] = await until('the reset mail', () => (smtp.to(user.email).length ? smtp.to(user.email) : null));
    await page.goto(local(linkIn(mail!, 'reset')));
    await page.getByLabel('Password').fill('my new passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();

    // The session opened before the reset no longer works: the dashboard asks to log in.
    await old.goto(`${t.url}/links`);
    await old.getByRole('heading', { name: 'Log in to Linkwire' }).waitFor();
    await logIn(page, t.url, user.email, 'my new passphrase');
    expect(watch.errors).toEqual([]);
    await oldContext.close();
    await context.close();
  }, 90_000);
});

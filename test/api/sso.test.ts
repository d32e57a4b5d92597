import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { CookieBrowser as Browser, signInThrough, TestOidcProvider } from '../helpers/oidc-provider.js';
import { freePort } from '../../support/free-port.js';
import { loadConfig } from '../../src/config.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('single sign-on through a real OpenID provider on %s', (dialect) => {
  let t: TestApp;
  /** The same provider for a Linkwire whose signup is closed. */
  let closed: TestApp;
  const provider = new TestOidcProvider();
  const operator = `operator-${dialect}-${Date.now()}@ops.example`;

  beforeAll(async () => {
    const issuer = await provider.listen();
    const [port, closedPort] = [await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${port}`;
    const closedUrl = `http://127.0.0.1:${closedPort}`;
    provider.configure(`${baseUrl}/api/auth/oidc/callback`, `${closedUrl}/api/auth/oidc/callback`);
    const oidc = { issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, name: 'Acme ID', insecureLoopback: false };
    t = await startTestApp(dialect, { listenPort: port, config: { baseUrl, adminEmails: new Set([operator]), oidc } });
    closed = await startTestApp(dialect, { listenPort: closedPort, config: { baseUrl: closedUrl, signupOpen: false, oidc } });
  });
  afterAll(async () => {
    await t?.close();
    await closed?.close();
    await provider.close();
  });

  /** A sign-in through the provider, in `browser`; the callback's answer. */
  async function signIn(browser: Browser, as: string, options: { next?: string; tamper?: (url: URL) => void; accept?: string; app?: TestApp } = {}): Promise<Response> {
    return signInThrough(provider, browser, (options.app ?? t).url, as, options);
  }

  async function whoAmI(browser: Browser) {
    const res = await browser.go(`${t.url}/api/auth/session`);
    return (await res.json()) as { authenticated: boolean; via: string | null; user_id: string | null; workspaces: { id: string; role: string; current: boolean }[] };
  }

  async function usersWith(email: string) {
    return t.storage.db.selectFrom('users').selectAll().where('email', '=', email).execute();
  }

  it('says whether single sign-on is on, and the provider’s name', async () => {
    const res = await http(t.url, 'GET', '/api/auth/oidc');
    expect(res.json()).toEqual({ enabled: true, provider_name: 'Acme ID', start_url: '/api/auth/oidc/start' });
  });

  it('a first sign-in makes the user (with a workspace of their own), a second matches the same user', async () => {
    const email = `Ada-${dialect}-${Date.now()}@lovelace.example`;
    provider.identities.set(`ada-${dialect}`, { email, email_verified: true });
    const browser = new Browser();
    const first = await signIn(browser, `ada-${dialect}`, { next: '/links?tag=x' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/links?tag=x');
    const me = await whoAmI(browser);
    expect(me).toMatchObject({ authenticated: true, via: 'session' });
    expect(me.workspaces).toEqual([expect.objectContaining({ role: 'owner', current: true })]);
    const users = await usersWith(email.toLowerCase());
    expect(users).toHaveLength(1);
    expect(users[0]!.id).toBe(me.user_id);
    // The session works for the API like a password login's.
    expect((await browser.go(`${t.url}/api/links`)).status).toBe(200);
    // Nothing of the sign-in is left behind: the flow row is gone, and no password can open this account.
    expect(await t.storage.db.selectFrom('oidc_logins').selectAll().execute()).toEqual([]);
    expect((await http(t.url, 'POST', '/api/auth/login', { body: { email, password: '!sso' } })).status).toBe(401);

    const again = new Browser();
    const second = await signIn(again, `ada-${dialect}`, { next: '//evil.example/steal' });
    expect(second.status).toBe(302);
    expect(second.headers.get('location')).toBe('/'); // another origin's `next` is ignored
    const meAgain = await whoAmI(again);
    expect(meAgain.user_id).toBe(me.user_id);
    expect(meAgain.workspaces.map((w) => w.id)).toEqual(me.workspaces.map((w) => w.id));
    expect(await usersWith(email.toLowerCase())).toHaveLength(1);
  });

  it('an existing password account is matched by its verified email', async () => {
    const owner = await t.signup(`grace-${dialect}-${Date.now()}@hopper.example`);
    provider.identities.set(`grace-${dialect}`, { email: owner.email.toUpperCase(), email_verified: true });
    const browser = new Browser();
    expect((await signIn(browser, `grace-${dialect}`)).status).toBe(302);
    const me = await whoAmI(browser);
    expect(me.user_id).toBe(owner.userId);
    expect(me.workspaces).toEqual([{ id: owner.workspaceId, name: expect.any(String), role: 'owner', current: true }]);
    // The password still works too.
    expect((await http(t.url, 'POST', '/api/auth/login', { body: { email: owner.email, password: 'correct horse battery' } })).status).toBe(200);
  });

  it('an unverified email is refused: no user, no session', async () => {
    const email = `mallory-${dialect}-${Date.now()}@unverified.example`;
    provider.identities.set(`mallory-${dialect}`, { email, email_verified: false });
    const browser = new Browser();
    const res = await signIn(browser, `mallory-${dialect}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/has not verified .* \(email_verified is not true\)/);
    expect(browser.cookies.has('lw_session')).toBe(false);
    expect(await usersWith(email)).toEqual([]);
    expect((await whoAmI(browser)).authenticated).toBe(false);
  });

  it('a wrong state is refused before the code is used; a browser gets the reason as a page', async () => {
    const email = `eve-${dialect}-${Date.now()}@state.example`;
    provider.identities.set(`eve-${dialect}`, { email, email_verified: true });
    const browser = new Browser();
    const res = await signIn(browser, `eve-${dialect}`, { tamper: (url) => url.searchParams.set('state', 'someone-elses-state'), accept: 'text/html' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('state mismatch');
    expect(page).toContain('href="/login"');
    expect(browser.cookies.has('lw_session')).toBe(false);
    expect(await usersWith(email)).toEqual([]);
  });

  it('a wrong nonce (an ID token minted for another request) is refused', async () => {
    const email = `nonce-${dialect}-${Date.now()}@nonce.example`;
    provider.identities.set(`nonce-${dialect}`, { email, email_verified: true });
    const browser = new Browser();
    const res = await signIn(browser, `nonce-${dialect}`, { tamper: (url) => url.searchParams.set('nonce', 'not-the-nonce-of-this-sign-in') });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/nonce does not match/);
    expect(browser.cookies.has('lw_session')).toBe(false);
    expect(await usersWith(email)).toEqual([]);
  });

  it('an answer reaching a browser that did not start the sign-in, or arriving twice, is refused', async () => {
    const email = `replay-${dialect}-${Date.now()}@replay.example`;
    provider.identities.set(`replay-${dialect}`, { email, email_verified: true });
    const starter = new Browser();
    let callback = '';
    // Stop at the callback: hand its URL to another browser (login CSRF), then replay it.
    provider.signInAs = `replay-${dialect}`;
    let res = await starter.go(`${t.url}/api/auth/oidc/start`);
    let location = res.headers.get('location')!;
    while (!location.startsWith(t.url)) {
      res = await starter.go(location);
      if (res.status === 200) res = await starter.go(location, { method: 'POST', body: '' });
      location = new URL(res.headers.get('location')!, location).href;
    }
    callback = location;
    const victim = new Browser();
    const forged = await victim.go(callback);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/No sign-in was started in this browser/);
    expect((await starter.go(callback)).status).toBe(302);
    expect((await starter.go(callback)).status).toBe(400); // the flow was used up; the cookie is gone
    expect(await usersWith(email)).toHaveLength(1);
  });

  it('joins a workspace that takes the email domain (operators decide), as a viewer, member.added once', async () => {
    const ops = await t.signup(operator);
    const domain = `acme-${dialect}-${Date.now()}.example`;
    // A workspace owner who is not an operator may not pull a domain in.
    const owner = await t.signup();
    const refused = await t.api('PATCH', '/api/workspace', { settings: { sso_auto_join_domains: [domain] } }, owner.key);
    expect(refused.status).toBe(403);
    expect(refused.json().error.message).toMatch(/operators/);
    expect((await t.api('PATCH', '/api/workspace', { settings: { sso_auto_join_domains: ['not a domain'] } }, ops.key)).status).toBe(400);
    const set = await t.api('PATCH', '/api/workspace', { settings: { sso_auto_join_domains: [`@${domain.toUpperCase()}`] } }, ops.key);
    expect(set.status).toBe(200);
    expect(set.json().settings.sso_auto_join_domains).toEqual([domain]);

    const email = `bob@${domain}`;
    provider.identities.set(`bob-${dialect}`, { email, email_verified: true });
    const browser = new Browser();
    expect((await signIn(browser, `bob-${dialect}`)).status).toBe(302);
    const me = await whoAmI(browser);
    expect(me.workspaces).toEqual([{ id: ops.workspaceId, name: expect.any(String), role: 'viewer', current: true }]);
    // A second sign-in adds nobody again.
    expect((await signIn(new Browser(), `bob-${dialect}`)).status).toBe(302);
    const members = (await t.api('GET', '/api/workspace/members', undefined, ops.key)).json().data;
    expect(members.filter((m: { email: string }) => m.email === email)).toEqual([expect.objectContaining({ role: 'viewer', status: 'active' })]);
    const added = (await t.api('GET', '/api/events?type=member.added&limit=100', undefined, ops.key)).json().data;
    expect(added.filter((e: { data: { member: { email: string } } }) => e.data.member.email === email)).toHaveLength(1);
    // A look-alike domain does not match.
    provider.identities.set(`carl-${dialect}`, { email: `carl@not${domain}`, email_verified: true });
    const carl = new Browser();
    expect((await signIn(carl, `carl-${dialect}`)).status).toBe(302);
    expect((await whoAmI(carl)).workspaces).toEqual([expect.objectContaining({ role: 'owner' })]);
  });

  it('signing in with SSO accepts a pending invitation, without a second member.added', async () => {
    const owner = await t.signup();
    const email = `dana-${dialect}-${Date.now()}@invited.example`;
    expect((await t.api('POST', '/api/workspace/members', { email, role: 'editor' }, owner.key)).status).toBe(201);
    provider.identities.set(`dana-${dialect}`, { email, email_verified: true });
    const browser = new Browser();
    expect((await signIn(browser, `dana-${dialect}`)).status).toBe(302);
    expect((await whoAmI(browser)).workspaces).toEqual([{ id: owner.workspaceId, name: expect.any(String), role: 'editor', current: true }]);
    const members = (await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data;
    expect(members.filter((m: { email: string }) => m.email === email)).toEqual([expect.objectContaining({ role: 'editor', status: 'active' })]);
    const added = (await t.api('GET', '/api/events?type=member.added&limit=100', undefined, owner.key)).json().data;
    expect(added.filter((e: { data: { member: { email: string } } }) => e.data.member.email === email)).toHaveLength(1);
    expect(await t.storage.db.selectFrom('invites').selectAll().where('email', '=', email).execute()).toEqual([]);
  });

  it('with signup closed, someone with no account and no invitation gets a clear refusal, and no account', async () => {
    const email = `nobody-${dialect}-${Date.now()}@closed.example`;
    provider.identities.set(`nobody-${dialect}`, { email, email_verified: true });
    const browser = new Browser();
    const res = await signIn(browser, `nobody-${dialect}`, { app: closed, accept: 'text/html' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(`No workspace on this Linkwire takes ${email} yet and signup is closed: ask a workspace admin to invite you`);
    expect(await closed.storage.db.selectFrom('users').selectAll().where('email', '=', email).execute()).toEqual([]);
    expect(browser.cookies.has('lw_session')).toBe(false);
  });
});

describe('single sign-on with a plain-http provider on loopback', () => {
  it('works, because the issuer is a loopback address (LINKWIRE_OIDC_ISSUER=http://127.0.0.1:…)', async () => {
    const provider = new TestOidcProvider();
    const issuer = await provider.listen({ plainHttp: true });
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    provider.configure(`${baseUrl}/api/auth/oidc/callback`);
    // The settings as an operator would write them: config.ts marks the loopback http issuer.
    const oidc = loadConfig({ LINKWIRE_OIDC_ISSUER: issuer, LINKWIRE_OIDC_CLIENT_ID: provider.clientId, LINKWIRE_OIDC_CLIENT_SECRET: provider.clientSecret }).oidc!;
    expect(oidc.insecureLoopback).toBe(true);
    const t = await startTestApp('sqlite', { listenPort: port, config: { baseUrl, oidc } });
    try {
      provider.identities.set('lin', { email: 'lin@loopback.example', email_verified: true });
      const browser = new Browser();
      expect((await signInThrough(provider, browser, t.url, 'lin')).status).toBe(302);
      expect(browser.cookies.has('lw_session')).toBe(true);
      // Without the loopback mark, openid-client refuses plain http.
      const strict = await startTestApp('sqlite', { config: { oidc: { ...oidc, insecureLoopback: false } } });
      try {
        const res = await http(strict.url, 'GET', '/api/auth/oidc/start');
        expect(res.status).toBe(503);
        expect(res.json().error.message).toMatch(/only requests to HTTPS are allowed/);
        // A person who clicked the button reads it on a page.
        const page = await http(strict.url, 'GET', '/api/auth/oidc/start', { headers: { accept: 'text/html' } });
        expect(page.status).toBe(503);
        expect(page.text).toContain('could not be reached or described itself wrongly');
      } finally {
        await strict.close();
      }
    } finally {
      await t.close();
      await provider.close();
    }
  }, 60_000);
});

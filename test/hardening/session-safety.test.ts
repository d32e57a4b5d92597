import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext, requireBuiltDashboard, watchPage, type TestBrowser } from '../dashboard/browser.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('logout is a same-origin write on %s (issue 21 item 13)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a cross-site POST /api/auth/logout is refused and the session lives on; the dashboard still logs out', async () => {
    const user = await t.signup();
    const login = await http(t.url, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const session = async () => (await http(t.url, 'GET', '/api/auth/session', { headers: { cookie } })).json().authenticated as boolean;
    expect(await session()).toBe(true);

    const attempts: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'https://sub.localhost:8080' }, {}];
    for (const headers of attempts) {
      const res = await http(t.url, 'POST', '/api/auth/logout', { headers: { cookie, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await session()).toBe(true);
    }
    // Without a session cookie there is nothing to protect: a script's logout is a no-op 204.
    expect((await http(t.url, 'POST', '/api/auth/logout')).status).toBe(204);
    const own = await http(t.url, 'POST', '/api/auth/logout', { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(204);
    expect(await session()).toBe(false);
  });
});

describe("the login page's next parameter in Chromium (issue 21 item 13)", () => {
  let t: TestApp;
  let b: TestBrowser;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite');
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('goes only to a page of this origin after logging in', { timeout: 180_000 }, async () => {
    const cases: [next: string, landing: string][] = [
      ['/\\evil.example', '/links'],
      ['/\\/evil.example/x', '/links'],
      ['/\t/evil.example', '/links'],
      ['//evil.example', '/links'],
      ['https://evil.example/', '/links'],
      ['javascript:alert(1)', '/links'],
      ['/webhooks?tab=all', '/webhooks?tab=all'],
    ];
    for (const [next, landing] of cases) {
      const user = await t.signup();
      const context = await newContext(b.browser);
      // Only loopback, ever: anything else the page asks for is refused and recorded.
      const offBox: string[] = [];
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1') return route.continue();
        offBox.push(url.href);
        return route.abort();
      });
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${t.url}/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.pathname !== '/login', { timeout: 10_000 }).catch(() => undefined);
      const url = new URL(page.url());
      expect(`${url.origin}${url.pathname}${url.search}`, JSON.stringify(next)).toBe(`${t.url}${landing}`);
      expect(offBox, JSON.stringify(next)).toEqual([]);
      expect(watch.errors, JSON.stringify(next)).toEqual([]);
      await context.close();
    }
  });
});

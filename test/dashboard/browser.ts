import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_DASHBOARD_DIR } from '../../src/web/dashboard-files.js';

/** Debian's chromium; the suite fails (never skips) without it: `.ci/run` installs it with apt. */
export function chromiumPath(): string {
  let path = '';
  try {
    path = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    path = '';
  }
  if (!path || !existsSync(path)) throw new Error('chromium is not installed: `apt-get install -y chromium` (the dashboard tests need a real browser)');
  return path;
}

export function requireBuiltDashboard(): void {
  if (!existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'))) throw new Error('dist/dashboard is missing: run `npm run build` first (npm test does)');
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** A headless Chromium that never reaches beyond loopback on its own; playwright gives every launch a fresh temporary profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** What a page did that a test should see: console errors, uncaught exceptions, every request URL. */
export interface PageWatch {
  errors: string[];
  requests: string[];
}

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') watch.errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => watch.errors.push(`pageerror: ${err.message}`));
  page.on('request', (req) => watch.requests.push(req.url()));
  return watch;
}

/** Logs in through the login page. */
export async function logIn(page: Page, baseUrl: string, email: string, password = 'correct horse battery'): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Links', exact: true }).waitFor();
}

export async function newContext(browser: Browser, width = 1280, height = 860): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
}

/** Non-loopback URLs among what the browser asked for (data: and blob: never leave the page). */
export function offBoxRequests(urls: string[]): string[] {
  return urls.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const host = new URL(u).hostname;
    return host !== '127.0.0.1';
  });
}

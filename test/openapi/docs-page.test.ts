import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/* Through the real listener, where single-segment paths are otherwise short links. */
describe('the docs page and the document on a running server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('GET /openapi.json answers the document, not a short-link 404', async () => {
    const res = await http(t.url, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().openapi).toBe('3.1.0');
  });

  it('/docs is swagger-ui served from this origin only: every asset loads here, nothing from elsewhere', async () => {
    const page = await http(t.url, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).not.toMatch(/https?:|validator\.swagger\.io|upgrade-insecure-requests/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'an asset from elsewhere').not.toMatch(/^(https?:)?\/\//);
      const res = await http(t.url, 'GET', new URL(asset, `${t.url}/docs/`).pathname);
      expect(res.status, asset).toBe(200);
    }
    const init = await http(t.url, 'GET', '/docs/static/swagger-initializer.js');
    expect(init.text).toContain('"validatorUrl":null');
    const doc = await http(t.url, 'GET', '/docs/json');
    expect(doc.json().paths['/api/links']).toBeDefined();
  });

  it('docs and openapi.json cannot be taken as slugs', async () => {
    const { key } = await t.signup();
    for (const slug of ['docs', 'Docs', 'openapi.json']) {
      expect((await t.api('POST', '/api/links', { url: 'https://example.com', slug }, key)).status, slug).toBe(400);
    }
  });
});

describe('the docs page in a real browser', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('renders every operation and the event webhooks, with no request leaving this origin', async () => {
    const { chromium } = await import('playwright-core');
    const { execFileSync } = await import('node:child_process');
    const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    const browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const cspErrors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error') cspErrors.push(m.text());
      });
      await page.goto(`${t.url}/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
      expect(paths).toContain('/api/links/{id}');
      expect(await page.textContent('body')).toContain('link.clicked');
      expect(requests.filter((u) => !u.startsWith(t.url) && !u.startsWith('data:'))).toEqual([]);
      expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

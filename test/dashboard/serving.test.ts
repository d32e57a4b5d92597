import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { requireBuiltDashboard } from './browser.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('serving the dashboard from the api role', () => {
  let t: TestApp;
  let assetPath: string;

  beforeAll(async () => {
    requireBuiltDashboard();
    t = await startTestApp('sqlite');
    await t.signup();
  });
  afterAll(async () => t?.close());

  it('answers index.html on each client route, never cached, with a strict CSP', async () => {
    for (const path of ['/', '/login', '/signup', '/links', '/links/lnk_x', '/links/lnk_x/edit', '/settings', '/settings/webhooks', '/settings/webhooks/wh_x']) {
      const res = await http(t.url, 'GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.text).toContain('<div id="app"></div>');
      // No inline script: every <script> has a src.
      expect(res.text.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    }
    const index = await http(t.url, 'GET', '/links');
    assetPath = /src="(\/assets\/index-[^"]+\.js)"/.exec(index.text)![1]!;
  });

  it('serves hashed assets for a year, immutable, precompressed with gzip and brotli', async () => {
    const plain = await http(t.url, 'GET', assetPath);
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gz = await http(t.url, 'GET', assetPath, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toContain('accept-encoding');
    const br = await http(t.url, 'GET', assetPath, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(Number(br.headers['content-length'])).toBeLessThan(Buffer.byteLength(plain.text) / 2);
  });

  it('decompresses to the same bytes', async () => {
    const raw = await fetch(`${t.url}${assetPath}`, { headers: { 'accept-encoding': 'identity' } }).then((r) => r.arrayBuffer());
    const res = await new Promise<Buffer>((resolve, reject) => {
      void import('node:http').then(({ get }) =>
        get(`${t.url}${assetPath}`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject),
      );
    });
    expect(gunzipSync(res).equals(Buffer.from(raw))).toBe(true);
  });

  it('an unknown asset is a JSON 404, and API 404s stay JSON', async () => {
    const asset = await http(t.url, 'GET', '/assets/nope.js');
    expect(asset.status).toBe(404);
    expect(asset.json().error.code).toBe('NOT_FOUND');
    for (const path of ['/api/nothing-here', '/api/links/lnk_missing/nothing', '/settingsx/y', '/links-x/y']) {
      const res = await t.api('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.json().error.code).toBe('NOT_FOUND');
      expect(res.text).not.toContain('<html');
    }
  });

  it('single-segment paths stay short links: a slug redirects, an unknown one is the redirect 404', async () => {
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/x', slug: 'promo' })).status).toBe(201);
    const res = await http(t.url, 'GET', '/promo', { headers: { 'user-agent': UA } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://example.com/x');
    const unknown = await http(t.url, 'GET', '/no-such-slug');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('Link not found');
  });

  it('the client routes are reserved: no link can take their slug', async () => {
    for (const slug of ['login', 'signup', 'links', 'settings', 'assets']) {
      const res = await t.api('POST', '/api/links', { url: 'https://example.com/', slug });
      expect(res.status, slug).toBe(400);
    }
  });
});

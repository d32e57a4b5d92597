import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qrText, QR_MARGIN } from '../../src/qr/qr-code.js';
import { DIALECTS } from '../helpers/databases.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { http, type HttpResponse } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createLink as createLinkAs } from '../helpers/links.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** The raw bytes of a response (the shared helper decodes bodies as UTF-8). */
function getBytes(baseUrl: string, path: string, token: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return fetch(new URL(path, baseUrl), { headers: { authorization: `Bearer ${token}` } }).then(async (res) => ({
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: Buffer.from(await res.arrayBuffer()),
  }));
}

/** Reads back which modules an SVG from `qrcode` paints dark: its path is runs of `h` strokes per row. */
function svgModules(svg: string, margin: number): { size: number; dark: Set<string> } {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]) - 2 * margin;
  const d = /<path stroke="#000000" d="([^"]*)"/.exec(svg)?.[1] ?? '';
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, cmd, a, b] of d.matchAll(/([Mmh])(\d+(?:\.\d+)?)(?: (\d+(?:\.\d+)?))?/g)) {
    if (cmd === 'M') [x, y] = [Number(a), Number(b)];
    else if (cmd === 'm') x += Number(a);
    else for (let i = 0; i < Number(a); i++) dark.add(`${x++ - margin},${y - 0.5 - margin}`);
  }
  return { size, dark };
}

function expectedModules(text: string): { size: number; dark: Set<string> } {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const dark = new Set<string>();
  for (let row = 0; row < modules.size; row++) for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) dark.add(`${col},${row}`);
  return { size: modules.size, dark };
}

describe.each(DIALECTS)('QR codes on %s', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual' });
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  const createLink = (body: Record<string, unknown> = {}) => createLinkAs(t, key, { url: 'https://example.com/qr', ...body });

  it('encodes short_url?qr=1', () => {
    expect(qrText('http://localhost:8080/abc')).toBe('http://localhost:8080/abc?qr=1');
  });

  it('serves a PNG of the requested size (512 px by default)', async () => {
    const link = await createLink();
    for (const [query, size] of [['', 512], ['?format=png&size=64', 64], ['?size=300', 300], ['?format=png&size=2048', 2048]] as const) {
      const res = await getBytes(t.url, `/api/links/${link.id}/qr${query}`, key);
      expect(res.status, query).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
      expect(res.body.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(res.body.subarray(12, 16).toString('latin1')).toBe('IHDR');
      expect([res.body.readUInt32BE(16), res.body.readUInt32BE(20)], query).toEqual([size, size]);
    }
    // The same text rendered independently gives the same image.
    const png = await getBytes(t.url, `/api/links/${link.id}/qr?size=256`, key);
    const reference = await QRCode.toBuffer(`${link.short_url}?qr=1`, { type: 'png', width: 256, margin: QR_MARGIN, errorCorrectionLevel: 'M' });
    expect(png.body.equals(reference)).toBe(true);
  });

  it('serves an SVG whose modules are exactly the QR code of short_url?qr=1', async () => {
    const link = await createLink();
    const res = await getBytes(t.url, `/api/links/${link.id}/qr?format=svg&size=300`, key);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    const svg = res.body.toString('utf8');
    expect(svg).toMatch(/^<svg [^>]*width="300" height="300"/);
    expect(svg).toContain('<path');
    const painted = svgModules(svg, QR_MARGIN);
    const expected = expectedModules(`${link.short_url}?qr=1`);
    expect(painted.size).toBe(expected.size);
    expect(painted.dark.size).toBeGreaterThan(50);
    expect([...painted.dark].sort()).toEqual([...expected.dark].sort());
    // …and not the code of the bare short URL.
    expect([...painted.dark].sort()).not.toEqual([...expectedModules(link.short_url).dark].sort());
  });

  it('answers 304 to a matching If-None-Match, and a new tag once the slug changes', async () => {
    const link = await createLink();
    const first = await http(t.url, 'GET', `/api/links/${link.id}/qr?format=svg`, { token: key });
    const etag = String(first.headers.etag);
    const again = await http(t.url, 'GET', `/api/links/${link.id}/qr?format=svg`, { token: key, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    await t.api('PATCH', `/api/links/${link.id}`, { slug: `renamed-${link.slug}` }, key);
    const renamed = await http(t.url, 'GET', `/api/links/${link.id}/qr?format=svg`, { token: key, headers: { 'if-none-match': etag } });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.etag).not.toBe(etag);
  });

  it('rejects bad formats and sizes, and hides other workspaces’ links', async () => {
    const link = await createLink();
    const bad: HttpResponse[] = await Promise.all(
      ['?format=gif', '?size=63', '?size=2049', '?size=abc'].map((q) => http(t.url, 'GET', `/api/links/${link.id}/qr${q}`, { token: key })),
    );
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await http(t.url, 'GET', `/api/links/${link.id}/qr`)).status).toBe(401);
    const other = await t.signup();
    const res = await http(t.url, 'GET', `/api/links/${link.id}/qr`, { token: other.key });
    expect(res.status).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await http(t.url, 'GET', '/api/links/lnk_nope/qr', { token: key })).status).toBe(404);
  });

  it('a scan of the encoded URL fires qr.scanned and link.clicked with click.qr = true', async () => {
    const link = await createLink({ url: 'https://example.com/scanned' });
    const svg = (await getBytes(t.url, `/api/links/${link.id}/qr?format=svg`, key)).body.toString('utf8');
    // The modules match short_url?qr=1 (checked above); visit that URL's path on the test server.
    expect([...svgModules(svg, QR_MARGIN).dark].sort()).toEqual([...expectedModules(qrText(link.short_url)).dark].sort());
    const encoded = new URL(qrText(link.short_url));
    const visit = await http(t.url, 'GET', `${encoded.pathname}${encoded.search}`, { headers: { 'user-agent': UA } });
    expect(visit.status).toBe(302);
    expect(visit.headers.location).toBe('https://example.com/scanned');

    const eventsOf = async (type: string) =>
      (await t.api('GET', `/api/events?type=${type}`, undefined, key)).json().data.filter((e: any) => e.data.link.id === link.id);
    const [scanned] = await eventsOf('qr.scanned');
    const [clicked] = await eventsOf('link.clicked');
    expect(scanned.data.click).toMatchObject({ qr: true, params: { qr: '1' }, device: 'mobile' });
    expect(clicked.data.click.qr).toBe(true);
    expect(clicked.data.click.id).toBe(scanned.data.click.id);
    const validator = await eventValidator(t.url, key);
    expect([...validator.check(scanned), ...validator.check(clicked)]).toEqual([]);

    const plain = await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': UA } });
    expect(plain.status).toBe(302);
    expect(await eventsOf('qr.scanned')).toHaveLength(1);
    expect(await eventsOf('link.clicked')).toHaveLength(2);
  });
});

import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickTable } from '../../src/storage/schema.js';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CLICKS = 100_000;
const FROM = Date.UTC(2026, 10, 1);
/** Each row's cells: ~400 bytes of CSV, so the export (~46 MB) is well above the memory bound. */
const UA = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 ${'x'.repeat(120)}`;
const MEMORY_BOUND = 16 * 1024 * 1024;

// A full GC before each sample: what is measured is what the export keeps alive, not garbage awaiting collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Streams the export, sampling this process's live heap (the server runs in it) while it flows. */
function download(url: string, path: string, key: string): Promise<{ status: number; bytes: number; lines: number; first: string[]; peakHeapGrowth: number; samples: number }> {
  return new Promise((resolve, reject) => {
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      gc();
      samples++;
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }, 100);
    const req = request(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      let bytes = 0;
      let lines = 0;
      let head = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        if (head.length < 4000) head += chunk.toString('utf8', 0, Math.min(chunk.length, 4000));
      });
      res.on('end', () => {
        clearInterval(sampler);
        resolve({ status: res.statusCode ?? 0, bytes, lines, first: head.split('\r\n').slice(0, 3), peakHeapGrowth: peak, samples });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(DIALECTS)('analytics CSV export on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let linkId: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const user = await t.signup();
    key = user.key;
    const link = (await t.api('POST', '/api/links', { url: 'https://shop.example/export' }, key)).json();
    linkId = link.id;
    for (let start = 0; start < CLICKS; start += 5_000) {
      const rows: ClickTable[] = [];
      for (let i = start; i < start + 5_000; i++) {
        rows.push({
          id: `clk_export${String(i).padStart(16, '0')}`,
          workspace_id: user.workspaceId,
          link_id: linkId,
          timestamp: FROM + i * 1_000,
          country: 'FR',
          city: 'Paris',
          is_eu_country: 1,
          device: 'desktop',
          os: 'Linux',
          browser: 'Chrome',
          // The first click's referrer is a spreadsheet formula: it must come out inert.
          referrer: i === 0 ? '=HYPERLINK("https://evil.example","x")' : `https://news.example/${i}`,
          referrer_domain: i === 0 ? null : 'news.example',
          bot: i % 10 === 9 ? 1 : 0,
          bot_name: i % 10 === 9 ? 'curl' : null,
          qr: 0,
          destination: `https://shop.example/export?n=${i}`,
          params: '{}',
          user_agent: UA,
          ip: null,
        });
      }
      await t.storage.transaction((tx) => tx.insertRows('clicks', rows).then(() => undefined));
    }
  }, 120_000);
  afterAll(async () => t?.close());

  it(`streams ${CLICKS} clicks as CSV with flat memory, bots included on request, formulas made inert`, async () => {
    const to = new Date(FROM + CLICKS * 1_000).toISOString();
    // Warm-up: the route's code paths and statement caches, so the measured run sees only the stream.
    await download(t.url, `/api/analytics/export?from=${new Date(FROM).toISOString()}&to=${new Date(FROM + 60_000).toISOString()}`, key);

    const all = await download(t.url, `/api/analytics/export?from=${new Date(FROM).toISOString()}&to=${to}&bots=true`, key);
    expect(all.status).toBe(200);
    expect(all.lines).toBe(CLICKS + 1);
    expect(all.bytes).toBeGreaterThan(2.5 * MEMORY_BOUND);
    expect(all.samples).toBeGreaterThan(5);
    expect(all.peakHeapGrowth, `peak heap growth ${(all.peakHeapGrowth / 1e6).toFixed(1)} MB for ${(all.bytes / 1e6).toFixed(1)} MB of CSV`).toBeLessThan(MEMORY_BOUND);
    console.log(`export: ${(all.bytes / 1e6).toFixed(1)} MB of CSV, peak heap growth ${(all.peakHeapGrowth / 1e6).toFixed(1)} MB`);
    expect(all.first[0]).toBe('id,timestamp,link_id,short_url,country,city,is_eu_country,device,os,browser,referrer,referrer_domain,bot,bot_name,qr,destination,user_agent,ip');
    expect(all.first[1]).toContain(`clk_export${'0'.repeat(16)},2026-11-01T00:00:00.000Z,${linkId},`);
    expect(all.first[1]).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);

    const people = await download(t.url, `/api/analytics/export?from=${new Date(FROM).toISOString()}&to=${to}&link_id=${linkId}`, key);
    expect(people.lines).toBe(CLICKS * 0.9 + 1);

    const other = await t.signup();
    const theirs = await download(t.url, `/api/analytics/export?from=${new Date(FROM).toISOString()}&to=${to}&bots=true`, other.key);
    expect(theirs.lines).toBe(1); // the header only
    const bad = await t.api('GET', '/api/analytics/export?from=last-week', undefined, key);
    expect(bad.status).toBe(400);
  }, 180_000);
});

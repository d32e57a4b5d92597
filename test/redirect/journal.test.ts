import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Click } from '../../src/clicks/click-schema.js';
import { encodeFrame } from '../../src/clicks/journal/frame.js';
import { encodeVisit } from '../../src/clicks/journal/visit-codec.js';
import type { Link } from '../../src/links/link-schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

function clickFrame(link: Link, n: number): Buffer {
  const click: Click = {
    id: `clk_journaltest${String(n).padStart(6, '0')}`,
    timestamp: new Date().toISOString(),
    country: null,
    city: null,
    is_eu_country: false,
    device: 'desktop',
    os: 'Linux',
    browser: 'Firefox',
    referrer: null,
    referrer_domain: null,
    bot: false,
    bot_name: null,
    destination: link.url,
    params: { n: String(n) },
    qr: false,
    user_agent: UA,
    ip: null,
  };
  return encodeFrame(encodeVisit({ kind: 'click', link, click }, Date.now()));
}

describe.each(DIALECTS)('the click journal on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('skips a torn tail and corrupt records, ingests every good record once, and removes ingested segments', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/torn' }, key)).json<Link>();
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-torn-'));
    let n = 0;
    const good = (count: number) => Buffer.concat(Array.from({ length: count }, () => clickFrame(link, n++)));

    // Segment 1: 5 good, one whose payload was damaged (checksum mismatch), 3 good, then a record
    // torn by a crash in the middle of its write.
    const damaged = clickFrame(link, 9999);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 3) ^ 0xff, damaged.length - 3);
    const torn = clickFrame(link, 9998).subarray(0, 40);
    writeFileSync(join(dir, '000000000001.seg'), Buffer.concat([good(5), damaged, good(3), torn]));
    // Segment 2 (the next start): 4 good, then garbage with an impossible length.
    const garbage = Buffer.alloc(64, 0xff);
    writeFileSync(join(dir, '000000000002.seg'), Buffer.concat([good(4), garbage]));

    // A process starting on that directory ingests it, and keeps taking new clicks.
    const storage: Storage = t.database.open();
    let second: App | null = null;
    try {
      second = await createApp({ config: { ...t.config, journalDir: dir }, storage, clock: t.clock, logLevel: 'silent' });
      const url = await second.listen(0, '127.0.0.1');
      for (let i = 0; i < 3; i++) expect((await http(url, 'GET', `/${link.slug}?live=${i}`, { headers: { 'user-agent': UA } })).status).toBe(302);
      await second.clicksSettled();
      const health = (await http(url, 'GET', '/healthz')).json<{ journal: { records_behind: number; bytes_behind: number } }>();
      expect(health.journal).toMatchObject({ records_behind: 0, bytes_behind: 0 });

      const clicks = await storage.db.selectFrom('clicks').select(['id', 'params']).where('link_id', '=', link.id).execute();
      const ns = clicks.map((c) => (JSON.parse(c.params) as { n?: string }).n).filter((v) => v !== undefined).sort((a, b) => Number(a) - Number(b));
      expect(ns).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
      expect(clicks).toHaveLength(15);
      expect((await t.api('GET', `/api/links/${link.id}`, undefined, key)).json().clicks).toBe(15);
      const events = await storage.db.selectFrom('events').select('id').where('link_id', '=', link.id).where('type', '=', 'link.clicked').execute();
      expect(events).toHaveLength(15);
      // Both old segments were fully ingested, so they are gone.
      expect(existsSync(join(dir, '000000000001.seg'))).toBe(false);
      expect(existsSync(join(dir, '000000000002.seg'))).toBe(false);
      expect(readdirSync(dir).filter((f) => f.endsWith('.seg'))).toEqual(['000000000003.seg']);
    } finally {
      await second?.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps max_clicks exact under 1 000 concurrent clicks: 302 exactly max_clicks times, one link.limit_reached', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/limited', max_clicks: 400 }, key)).json<Link>();
    const statuses = (await Promise.all(Array.from({ length: 1000 }, () => http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': UA } })))).map((r) => r.status);
    expect(statuses.filter((s) => s === 302)).toHaveLength(400);
    expect(statuses.filter((s) => s === 410)).toHaveLength(600);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, key)).json().clicks).toBe(400);
    const limit = (await t.api('GET', '/api/events?type=link.limit_reached&limit=100', undefined, key)).json().data.filter((e: any) => e.data.link.id === link.id);
    expect(limit).toHaveLength(1);
    const clicked = await t.storage.db.selectFrom('events').select('id').where('link_id', '=', link.id).where('type', '=', 'link.clicked').execute();
    expect(clicked).toHaveLength(400);
  });
});

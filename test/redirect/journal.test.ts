import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Click } from '../../src/clicks/click-schema.js';
import { ClickJournal } from '../../src/clicks/journal/click-journal.js';
import { decodeFrame, encodeTextFrame } from '../../src/clicks/journal/frame.js';
import { JournalIngester } from '../../src/clicks/journal/journal-ingester.js';
import { encodeSnapshot, encodeVisitRecord } from '../../src/clicks/journal/visit-codec.js';
import { systemClock } from '../../src/runtime/clock.js';
import { Outbox } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { until } from '../helpers/wait.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** The snapshot of `link` that visit records of a segment name by `key` (written before them). */
function snapshotFrame(link: Link, key = 1): Buffer {
  return encodeTextFrame(encodeSnapshot(key, link));
}

let nextClickId = 0;

function clickFrame(link: Link, n: number, key = 1): Buffer {
  const click: Click = {
    id: `clk_journaltest${String(nextClickId++).padStart(6, '0')}`,
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
  return encodeTextFrame(encodeVisitRecord({ kind: 'click', link, click }, key, Date.now()));
}

const quiet = { warn: () => undefined, error: () => undefined };

describe.each(DIALECTS)('the click journal on %s', (dialect) => {
  const clickNumbers = async (linkId: string) =>
    (await t.storage.db.selectFrom('clicks').select('params').where('link_id', '=', linkId).execute()).map((c) => (JSON.parse(c.params) as { n: string }).n).sort((a, b) => Number(a) - Number(b));
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
    writeFileSync(join(dir, '000000000001.seg'), Buffer.concat([snapshotFrame(link), good(5), damaged, good(3), torn]));
    // Segment 2 (the next start): 4 good, then garbage with an impossible length.
    const garbage = Buffer.alloc(64, 0xff);
    writeFileSync(join(dir, '000000000002.seg'), Buffer.concat([snapshotFrame(link), good(4), garbage]));

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

  it('resumes in the middle of a segment after a crash: link snapshots rebuilt from the segment start, no click lost or doubled, a torn tail skipped', async () => {
    const v1 = (await t.api('POST', '/api/links', { url: 'https://example.com/resume-v1', title: 'first' }, key)).json<Link>();
    const v2: Link = { ...v1, url: 'https://example.com/resume-v2', title: 'second' };
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-resume-'));
    // Clicks 0-9 under the link's first version (snapshot 1), 10-19 after an edit (snapshot 2),
    // then a record torn by the crash.
    const frames = [snapshotFrame(v1, 1)];
    for (let n = 0; n < 10; n++) frames.push(clickFrame(v1, n, 1));
    frames.push(snapshotFrame(v2, 2));
    for (let n = 10; n < 20; n++) frames.push(clickFrame(v2, n, 2));
    frames.push(clickFrame(v2, 20, 2).subarray(0, 30));
    writeFileSync(join(dir, '000000000001.seg'), Buffer.concat(frames));

    // First run: three batches of 4 commit, then the process "dies" (every later transaction fails).
    let commits = 0;
    let died = false;
    const dying = new Proxy(t.storage, {
      get(target, prop) {
        if (prop === 'transaction') {
          return async <T>(fn: (tx: never) => Promise<T>) => {
            if (commits >= 3) {
              died = true;
              throw new Error('killed');
            }
            const result = await target.transaction(fn as never);
            commits++;
            return result;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const outbox = new Outbox(createIdSource(), systemClock);
    let journal = ClickJournal.open(dir, { segmentBytes: 1 << 20, maxBytes: 1 << 30, fsync: false, onWarning: () => undefined });
    const first = new JournalIngester(journal, { storage: dying, outbox }, { log: quiet, batchRecords: 4 });
    await first.start();
    await until('the first run to die after three batches', () => died);
    await first.stop();
    await journal.close();
    const offset = await t.storage.db.selectFrom('journal_offsets').select(['segment', 'byte_offset']).where('journal_id', '=', journal.id).executeTakeFirstOrThrow();
    expect(offset.segment).toBe(1);
    // Past the second snapshot: a resume must find both in the part already ingested.
    expect(offset.byte_offset).toBeGreaterThan(frames.slice(0, 13).reduce((sum, f) => sum + f.length, 0));
    expect(await clickNumbers(v1.id)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));

    // The restart: a new journal object and ingester on the same directory.
    journal = ClickJournal.open(dir, { segmentBytes: 1 << 20, maxBytes: 1 << 30, fsync: false, onWarning: () => undefined });
    const warnings: string[] = [];
    const second = new JournalIngester(journal, { storage: t.storage, outbox }, { log: { warn: (_o, m) => warnings.push(m), error: () => undefined }, batchRecords: 4 });
    try {
      await second.start();
      // The lag figure's start: the 8 visits after the committed position (the torn one is none).
      expect(second.progress().backlogAtStart).toBe(8);
      await second.settled();
      expect(await clickNumbers(v1.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
      expect((await t.storage.db.selectFrom('links').select('clicks').where('id', '=', v1.id).executeTakeFirstOrThrow()).clicks).toBe(20);
      const events = await t.storage.db.selectFrom('events_full').select('data').where('link_id', '=', v1.id).where('type', '=', 'link.clicked').execute();
      const byN = new Map(events.map((e) => JSON.parse(e.data) as { link: Link; click: Click }).map((d) => [Number(d.click.params.n), d]));
      expect(byN.size).toBe(20);
      for (const [n, d] of byN) {
        expect(d.link.title, `click ${n}`).toBe(n < 10 ? 'first' : 'second');
        expect(d.link.url, `click ${n}`).toBe(n < 10 ? v1.url : v2.url);
      }
      // The counts in the events are the link's count after each click, in order.
      expect([...byN.values()].map((d) => d.link.clicks).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(warnings.some((w) => w.includes('torn record'))).toBe(true);
    } finally {
      await second.stop();
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a damaged visit in the start-up backlog and as passed once skipped: records behind goes from 6 to 0', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/backlog' }, key)).json<Link>();
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-backlog-'));
    const damaged = clickFrame(link, 99);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 3) ^ 0xff, damaged.length - 3);
    const frames = [snapshotFrame(link), clickFrame(link, 0), clickFrame(link, 1), clickFrame(link, 2), damaged, clickFrame(link, 3), clickFrame(link, 4), clickFrame(link, 5).subarray(0, 30)];
    writeFileSync(join(dir, '000000000001.seg'), Buffer.concat(frames));
    const journal = ClickJournal.open(dir, { segmentBytes: 1 << 20, maxBytes: 1 << 30, fsync: false, onWarning: () => undefined });
    const ingester = new JournalIngester(journal, { storage: t.storage, outbox: new Outbox(createIdSource(), systemClock) }, { log: quiet, batchRecords: 2 });
    try {
      await ingester.start();
      expect(ingester.progress().backlogAtStart).toBe(6);
      await ingester.settled();
      expect(ingester.lag(Date.now()).records_behind).toBe(0);
      expect(await clickNumbers(link.id)).toEqual(['0', '1', '2', '3', '4']);
    } finally {
      await ingester.stop();
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives each click event the link as it was when clicked, across an edit, with the link written once per version', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/edit-v1' }, key)).json<Link>();
    const locations: string[] = [];
    const click = async (n: number) => {
      const res = await http(t.url, 'GET', `/${link.slug}?n=${n}`, { headers: { 'user-agent': UA } });
      expect(res.status).toBe(302);
      locations[n] = res.headers.location as string;
    };
    for (let n = 0; n < 5; n++) await click(n);
    await t.api('PATCH', `/api/links/${link.id}`, { url: 'https://example.com/edit-v2' }, key);
    for (let n = 5; n < 10; n++) await click(n);
    await t.app.clicksSettled();

    const events = await t.storage.db.selectFrom('events_full').select('data').where('link_id', '=', link.id).where('type', '=', 'link.clicked').execute();
    expect(events).toHaveLength(10);
    for (const e of events) {
      const data = JSON.parse(e.data) as { link: Link; click: Click };
      const n = Number(data.click.params.n);
      // The link in the event is the version that answered this click (its Location).
      expect(locations[n]!.startsWith(data.link.url), `click ${n}: ${locations[n]} from ${data.link.url}`).toBe(true);
      expect(data.click.destination).toBe(locations[n]);
    }
    expect(new Set(events.map((e) => (JSON.parse(e.data) as { link: Link }).link.url))).toEqual(new Set(['https://example.com/edit-v1', 'https://example.com/edit-v2']));
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

describe('the click journal writer', () => {
  for (const fsync of [false, true]) {
    it(`${fsync ? 'with fsync' : 'without fsync'}: a record is in its segment file, in order, when its append resolves`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'linkwire-journal-writer-'));
      const journal = ClickJournal.open(dir, { segmentBytes: 1 << 20, maxBytes: 1 << 30, fsync, onWarning: () => undefined });
      try {
        // One tick's worth (one write), then a second tick's while nothing else is queued.
        const texts = Array.from({ length: 50 }, (_, i) => `record ${i} ${'x'.repeat(i)}`);
        await Promise.all(texts.slice(0, 40).map((text) => journal.append(text)));
        const file = journal.segmentPath(journal.writtenEnd().segment);
        const decoded = (buf: Buffer) => {
          const out: string[] = [];
          for (let at = 0; at < buf.length; ) {
            const r = decodeFrame(buf, at);
            if (r.kind !== 'record') throw new Error(`unexpected ${r.kind} at ${at}`);
            out.push(r.payload.toString('utf8'));
            at = r.next;
          }
          return out;
        };
        expect(decoded(readFileSync(file))).toEqual(texts.slice(0, 40));
        for (const text of texts.slice(40)) await journal.append(text);
        expect(decoded(readFileSync(file))).toEqual(texts);
        expect(journal.writtenEnd().offset).toBe(statSync(file).size);
        expect(journal.appendedRecords).toBe(50);
      } finally {
        await journal.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Click } from '../../src/clicks/click-schema.js';
import { ClickJournal } from '../../src/clicks/journal/click-journal.js';
import { JournalIngester } from '../../src/clicks/journal/journal-ingester.js';
import { encodeSegment } from '../../src/clicks/journal/visit-codec.js';
import type { Visit } from '../../src/clicks/visit.js';
import { systemClock } from '../../src/runtime/clock.js';
import { Outbox } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import { sampleClick } from '../helpers/sample-click.js';
import { readFeed } from '../../src/storage/event-feed.js';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/*
 * One large ingest batch, as a busy redirect leaves it: the ingester decodes and writes it in
 * chunks inside one transaction, and binds values shared by a statement's rows once (SQLite).
 * Neither may change what is stored: counts run on across chunks, milestones fire once, and each
 * event's data is byte for byte the `{link, click}` the SPEC describes.
 */

const quiet = { warn: () => undefined, error: () => undefined };

function clickOf(link: Link, i: number): Click {
  return sampleClick(link, i, {
    id: `clk_batchtest${String(i).padStart(8, '0')}`,
    timestamp: new Date(Date.UTC(2026, 11, 1, 6, 0, 0, i)).toISOString(),
    country: i % 2 ? 'DE' : 'FR',
    city: i % 2 ? 'Berlin' : null,
    params: { n: String(i), note: 'ü "quoted" \u2028' },
    // Every 97th click came from the QR code: a `qr.scanned` beside its `link.clicked`.
    qr: i % 97 === 0,
    user_agent: `Mozilla/5.0 (test ${i % 5})`,
  });
}

describe.each(DIALECTS)('one large journal batch on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('counts across its chunks, fires each milestone once, and stores every event byte for byte in order', async () => {
    const a = (await t.api('POST', '/api/links', { url: 'https://example.com/batch-a', title: 'A' }, key)).json<Link>();
    const b = (await t.api('POST', '/api/links', { url: 'https://example.com/batch-b' }, key)).json<Link>();
    // 1 234 clicks, mostly to A (its count crosses 100 and 1 000 in different chunks), B interleaved.
    const visits: { visit: Visit; at: number }[] = [];
    const expected = new Map<string, string>();
    const counts = new Map<string, number>([
      [a.id, 0],
      [b.id, 0],
    ]);
    for (let i = 0; i < 1_234; i++) {
      const link = i % 7 === 3 ? b : a;
      const click = clickOf(link, i);
      const clicks = counts.get(link.id)! + 1;
      counts.set(link.id, clicks);
      expected.set(click.id, JSON.stringify({ link: { ...link, clicks }, click }));
      visits.push({ visit: { kind: 'click', link, click }, at: Date.now() });
    }
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-batch-'));
    writeFileSync(join(dir, '000000000001.seg'), encodeSegment(visits));
    const journal = ClickJournal.open(dir, { segmentBytes: 1 << 24, maxBytes: 1 << 30, fsync: false, onWarning: () => undefined });
    const ingester = new JournalIngester(journal, { storage: t.storage, outbox: new Outbox(createIdSource(), systemClock) }, { log: quiet });
    try {
      await ingester.start();
      await ingester.settled();
    } finally {
      await ingester.stop();
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }

    for (const link of [a, b]) {
      expect((await t.storage.db.selectFrom('links').select('clicks').where('id', '=', link.id).executeTakeFirstOrThrow()).clicks).toBe(counts.get(link.id));
    }
    const rows = await t.storage.db.selectFrom('clicks').select(['id', 'link_id', 'workspace_id', 'timestamp', 'qr']).where('link_id', 'in', [a.id, b.id]).execute();
    expect(rows).toHaveLength(1_234);
    for (const row of rows) {
      const i = Number(row.id.slice('clk_batchtest'.length));
      expect(row.link_id).toBe(i % 7 === 3 ? b.id : a.id);
      expect(row.workspace_id).toBe(a.workspace_id);
      expect(Number(row.timestamp)).toBe(Date.UTC(2026, 11, 1, 6, 0, 0, i));
      expect(row.qr).toBe(i % 97 === 0 ? 1 : 0);
    }

    // Every event once, in the order the stream hands them out, which is id order.
    const feed = await readFeed(t.storage, a.workspace_id, { tx: '0', id: '' }, 10_000, null);
    const ours = feed.filter((e) => e.type !== 'link.created');
    expect(ours.map((e) => e.id)).toEqual(ours.map((e) => e.id).sort());
    const clicked = ours.filter((e) => e.type === 'link.clicked');
    expect(clicked).toHaveLength(1_234);
    for (const e of clicked) {
      const id = (JSON.parse(e.data) as { click: Click }).click.id;
      expect(e.data, id).toBe(expected.get(id));
    }
    const scanned = ours.filter((e) => e.type === 'qr.scanned');
    expect(scanned.map((e) => e.data).sort()).toEqual([...expected.entries()].filter(([id]) => Number(id.slice('clk_batchtest'.length)) % 97 === 0).map(([, data]) => data).sort());
    const milestones = ours.filter((e) => e.type === 'analytics.milestone').map((e) => JSON.parse(e.data) as { link: Link; milestone: number });
    expect(milestones.map((m) => [m.link.id, m.milestone, m.link.clicks]).sort()).toEqual([
      [a.id, 100, 100],
      [a.id, 1_000, 1_000],
      [b.id, 100, 100],
    ].sort());
  });
});

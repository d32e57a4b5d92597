import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickEvents, counterEvents, geoBlockedEvent } from '../../src/clicks/click-events.js';
import type { Click } from '../../src/clicks/click-schema.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { eventsByIds } from '../../src/delivery/sql/claim.js';
import { Outbox } from '../../src/events/outbox.js';
import type { IdPrefix, IdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { renderDelivery } from '../../src/webhooks/formats.js';
import type { WebhookFormat } from '../../src/webhooks/webhook-schema.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

/*
 * The golden test of payload version 2026-12-01 (SPEC §5c): what a webhook pinned to it receives
 * is byte for byte what it received before click events stopped storing the whole link. The
 * fixture was recorded by running this file on the code from before that change
 * (LINKWIRE_RECORD_GOLDEN=1); the events are written the way the click ingest writes them (the
 * outbox, fixed ids and time) and rendered from storage in every format.
 */

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/payload-versions/2026-12-01.json');
const FORMATS: readonly WebhookFormat[] = ['standard', 'slack', 'discord', 'awsys', 'nobsredir', 'linkzly', 'snip', 'linkly'];
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

function fixedIds(): IdSource {
  let n = 0;
  return { next: (prefix: IdPrefix) => `${prefix}_golden${String(++n).padStart(14, '0')}` };
}

function goldenLink(overrides: Partial<Link> = {}): Link {
  return {
    id: 'lnk_golden0000000000000001',
    workspace_id: 'ws_golden00000000000000001',
    domain: 'lw.example',
    slug: 'launch',
    short_url: 'https://lw.example/launch',
    url: 'https://example.com/pricing?plan=pro',
    title: 'Pricing — "pro" plan ✓',
    tags: ['launch', 'q4'],
    expires_at: null,
    expired_url: null,
    max_clicks: 1000,
    geo_block: ['KP'],
    rules: [],
    utm_source: 'newsletter',
    utm_medium: null,
    utm_campaign: 'winter',
    utm_term: null,
    utm_content: null,
    forward_params: true,
    block_bots: false,
    og_title: null,
    og_description: 'The pro plan',
    monitor: false,
    enabled: true,
    cloaking: false,
    public_analytics: false,
    track_conversions: false,
    alerts: [],
    created_by: 'usr_golden00000000000000001',
    clicks: 98,
    bot_clicks: 3,
    created_at: '2026-12-01T09:00:00.000Z',
    updated_at: '2026-12-01T09:00:00.000Z',
    ...overrides,
  };
}

function goldenClick(i: number, overrides: Partial<Click> = {}): Click {
  return {
    id: `clk_golden${String(i).padStart(16, '0')}`,
    timestamp: new Date(T0 + i * 1000).toISOString(),
    country: i % 2 ? 'DE' : 'US',
    city: i % 2 ? 'Berlin' : null,
    is_eu_country: i % 2 === 1,
    device: 'desktop',
    os: 'Linux',
    browser: 'Firefox',
    referrer: i % 3 === 0 ? 'https://news.example.org/item?id=42' : null,
    referrer_domain: i % 3 === 0 ? 'news.example.org' : null,
    bot: false,
    bot_name: null,
    destination: 'https://example.com/pricing?plan=pro',
    params: { n: String(i) },
    qr: i === 2,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    ip: null,
    ...overrides,
  };
}

type Golden = Record<string, { body: string; headers: Record<string, string> }>;

/** Writes the golden events (three clicks on one link, the link edited, a fourth click that crosses 100, a geo block) and renders them. */
async function renderGoldenEvents(storage: Storage): Promise<Golden> {
  const clock = new ManualClock(T0);
  const outbox = new Outbox(fixedIds(), clock);
  const before = goldenLink();
  const after = goldenLink({ title: 'Pricing (edited)', tags: ['launch'], updated_at: '2026-12-07T11:59:00.000Z' });
  await storage.transaction(async (tx) => {
    const events = [
      ...clickEvents({ kind: 'click', link: before, click: goldenClick(1) }, 99),
      ...clickEvents({ kind: 'click', link: before, click: goldenClick(2), clickJson: JSON.stringify(goldenClick(2)) }, 100),
      ...counterEvents(before, 99, 100, false),
    ];
    await outbox.write(tx, events);
  });
  clock.advance(60_000);
  await storage.transaction(async (tx) => {
    await outbox.write(tx, [...clickEvents({ kind: 'click', link: after, click: goldenClick(3) }, 101), geoBlockedEvent({ kind: 'geo_blocked', link: after, click: goldenClick(4, { country: 'KP' }) })]);
  });
  return renderStored(storage);
}

const EVENT_IDS = Array.from({ length: 6 }, (_, i) => `evt_golden${String(i + 1).padStart(14, '0')}`);

async function renderStored(storage: Storage): Promise<Golden> {
  const rows = new Map((await eventsByIds(storage, EVENT_IDS)).map((r) => [r.id, r]));
  const out: Golden = {};
  for (const id of EVENT_IDS) {
    const row = rows.get(id);
    if (!row) throw new Error(`event ${id} was not stored`);
    for (const format of FORMATS) {
      out[`${id} ${row.type} ${format}`] = renderDelivery(format, '2026-12-01', { event: row, timestampSeconds: T0 / 1000, secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] });
    }
  }
  return out;
}

describe.each(DIALECTS)('payload version 2026-12-01 on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    storage = database.open();
    await storage.migrate();
  });

  afterAll(async () => {
    await storage.close();
    await database.drop();
  });

  it('renders every click-carrying event, in every format, byte for byte as before click events referenced link versions', async () => {
    const rendered = await renderGoldenEvents(storage);
    if (process.env.LINKWIRE_RECORD_GOLDEN === '1' && dialect === 'sqlite') {
      mkdirSync(dirname(FIXTURE), { recursive: true });
      writeFileSync(FIXTURE, `${JSON.stringify(rendered, null, 2)}\n`);
    }
    expect(existsSync(FIXTURE), 'the golden fixture is recorded').toBe(true);
    const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Golden;
    expect(Object.keys(rendered)).toEqual(Object.keys(golden));
    for (const [key, expected] of Object.entries(golden)) {
      expect(rendered[key]!.body, key).toBe(expected.body);
      expect(rendered[key]!.headers, key).toEqual(expected.headers);
    }
  });

  it('stores each click without its link: the link is stored once per version, and the events name it', async () => {
    const raw = await storage.db.selectFrom('events').select(['id', 'type', 'data', 'link_version', 'link_clicks']).orderBy('id').execute();
    const clicks = raw.filter((r) => r.type === 'link.clicked' || r.type === 'qr.scanned');
    expect(clicks).toHaveLength(4);
    for (const r of clicks) {
      expect(r.link_version).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(r.data.startsWith('{"click":')).toBe(true);
      expect(r.data).not.toContain('lw.example/launch');
    }
    expect(clicks.map((r) => Number(r.link_clicks))).toEqual([99, 100, 100, 101]);
    // Two versions of the link: before and after the edit; the milestone and geo block keep the whole link.
    const versions = await storage.db.selectFrom('link_versions').select(['link_id', 'hash', 'head']).execute();
    expect(versions).toHaveLength(2);
    expect(new Set(versions.map((v) => v.hash))).toEqual(new Set(clicks.map((r) => r.link_version)));
    expect(versions.some((v) => v.head.includes('Pricing (edited)'))).toBe(true);
    const other = raw.filter((r) => r.type === 'analytics.milestone' || r.type === 'link.geo_blocked');
    for (const r of other) expect(r.link_version).toBeNull();
  });

  it('version 2027-01-01: click-carrying events carry the link summary as it was at that click; others are unchanged', async () => {
    const rows = await eventsByIds(storage, EVENT_IDS);
    const bodies = rows.map((row) => ({ type: row.type, v1: row.data, body: JSON.parse(renderDelivery('standard', '2027-01-01', { event: row, timestampSeconds: T0 / 1000, secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }).body) as { id: string; data: Record<string, unknown> } }));
    const summary = (title: string, tags: string[]) => ({ id: 'lnk_golden0000000000000001', domain: 'lw.example', slug: 'launch', url: 'https://example.com/pricing?plan=pro', short_url: 'https://lw.example/launch', title, tags });
    const clicked = bodies.filter((b) => b.type === 'link.clicked');
    expect(clicked.map((b) => b.body.data.link)).toEqual([summary('Pricing — "pro" plan ✓', ['launch', 'q4']), summary('Pricing — "pro" plan ✓', ['launch', 'q4']), summary('Pricing (edited)', ['launch'])]);
    expect(Object.keys(clicked[0]!.body.data)).toEqual(['link', 'click']);
    expect(bodies.find((b) => b.type === 'qr.scanned')!.body.data.link).toEqual(summary('Pricing — "pro" plan ✓', ['launch', 'q4']));
    expect(bodies.find((b) => b.type === 'link.geo_blocked')!.body.data.link).toEqual(summary('Pricing (edited)', ['launch']));
    // Not a click: the whole link, as in 2026-12-01.
    const milestone = bodies.find((b) => b.type === 'analytics.milestone')!;
    expect(milestone.body.data).toEqual(JSON.parse(milestone.v1));
  });

  it('still renders events stored with the whole link (written before link versions) byte for byte', async () => {
    const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Golden;
    // The old shape: what the events held before migration 022, put back from the view.
    const whole = await storage.db.selectFrom('events_full').select(['id', 'data']).execute();
    for (const e of whole) await storage.db.updateTable('events').set({ data: e.data, link_version: null, link_clicks: null }).where('id', '=', e.id).execute();
    expect((await storage.db.selectFrom('events').select('id').where('link_version', 'is not', null).execute()).length).toBe(0);
    const rendered = await renderStored(storage);
    for (const [key, expected] of Object.entries(golden)) expect(rendered[key]!.body, key).toBe(expected.body);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickEvents } from '../../src/clicks/click-events.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { RetentionJob } from '../../src/retention/retention-job.js';
import { eventsByIds } from '../../src/delivery/sql/claim.js';
import { Outbox } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { sampleClick } from '../helpers/sample-click.js';

const DAY = 86_400_000;

function link(id: string, title: string): Link {
  return {
    id,
    workspace_id: 'ws_versions0000000000000001',
    domain: 'lw.example',
    slug: id.slice(-6),
    short_url: `https://lw.example/${id.slice(-6)}`,
    url: 'https://example.com/',
    title,
    tags: [],
    expires_at: null,
    expired_url: null,
    max_clicks: null,
    geo_block: [],
    rules: [],
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: null,
    utm_content: null,
    forward_params: false,
    block_bots: false,
    og_title: null,
    og_description: null,
    monitor: false,
    enabled: true,
    cloaking: false,
    public_analytics: false,
    track_conversions: false,
    alerts: [],
    created_by: null,
    clicks: 0,
    bot_clicks: 0,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
  };
}

/** Retention of link versions (storage/link-versions.ts): a version goes only once no event left references it. */
describe.each(DIALECTS)('link versions on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  const outbox = new Outbox(createIdSource(() => clock.now()), clock);

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    storage = database.open();
    await storage.migrate();
  });

  afterAll(async () => {
    await storage.close();
    await database.drop();
  });

  const clickOn = async (l: Link, i: number): Promise<string> => {
    await storage.transaction((tx) => outbox.write(tx, clickEvents({ kind: 'click', link: l, click: sampleClick(l, i) }, i)));
    const row = await storage.db.selectFrom('events').select('id').where('link_id', '=', l.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
    return row.id;
  };
  const versionsOf = async (linkId: string) => (await storage.db.selectFrom('link_versions').select('hash').where('link_id', '=', linkId).execute()).length;

  it('purges a version only when unused and unreferenced: a link still clicked, or an event still being delivered, keeps its version', async () => {
    const gone = link('lnk_versions00000000000gone', 'Gone');
    const busy = link('lnk_versions00000000000busy', 'Busy');
    const held = link('lnk_versions00000000000held', 'Held');
    await clickOn(gone, 1);
    await clickOn(busy, 1);
    const heldEvent = await clickOn(held, 1);
    // The held event is still being delivered: retention keeps it, and so its link version.
    await storage.db
      .insertInto('deliveries')
      .values({ id: 'dlv_versions000000000000001', workspace_id: held.workspace_id, webhook_id: 'wh_x', event_id: heldEvent, event_type: 'link.clicked', status: 'pending', attempts_count: 3, next_attempt_at: clock.now(), lease_until: null, lease_owner: null, is_test: 0, body: null, created_at: clock.now(), updated_at: clock.now() })
      .execute();
    // 40 days on, the busy link (unchanged) is clicked again: the same version, used again.
    clock.advance(40 * DAY);
    const busyLater = await clickOn(busy, 2);
    const job = new RetentionJob({ storage, clock, config: { clickRetentionDays: 0, deliveryRetentionDays: 7 } });
    while ((await job.runOnce()).more);

    expect(await versionsOf(gone.id)).toBe(0);
    expect(await versionsOf(busy.id)).toBe(1);
    expect(await versionsOf(held.id)).toBe(1);
    // What stays renders whole.
    const [busyRow, heldRow] = [(await eventsByIds(storage, [busyLater]))[0]!, (await eventsByIds(storage, [heldEvent]))[0]!];
    expect(JSON.parse(busyRow.data).link).toMatchObject({ id: busy.id, title: 'Busy', clicks: 2 });
    expect(JSON.parse(heldRow.data).link).toMatchObject({ id: held.id, title: 'Held', clicks: 1 });
    // Once the held event is delivered and purged, its version goes too.
    await storage.db.updateTable('deliveries').set({ status: 'succeeded' }).where('id', '=', 'dlv_versions000000000000001').execute();
    while ((await job.runOnce()).more);
    expect(await storage.db.selectFrom('events').select('id').where('id', '=', heldEvent).executeTakeFirst()).toBeUndefined();
    expect(await versionsOf(held.id)).toBe(0);
    expect(await versionsOf(busy.id)).toBe(1);
  });

  it('writes one version per link state however many clicks and writers share it', async () => {
    const shared = link('lnk_versions0000000000share', 'Shared');
    // Two outboxes (two processes' ingesters) writing clicks of the same link version at once.
    const other = new Outbox(createIdSource(() => clock.now()), clock);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => storage.transaction((tx) => outbox.write(tx, clickEvents({ kind: 'click', link: shared, click: sampleClick(shared, i) }, i + 1)))),
      ...Array.from({ length: 10 }, (_, i) => storage.transaction((tx) => other.write(tx, clickEvents({ kind: 'click', link: { ...shared }, click: sampleClick(shared, 100 + i) }, 100 + i)))),
    ]);
    expect(await versionsOf(shared.id)).toBe(1);
    const rows = await storage.db.selectFrom('events_full').select('data').where('link_id', '=', shared.id).execute();
    expect(rows).toHaveLength(20);
    for (const r of rows) expect(JSON.parse(r.data).link.title).toBe('Shared');
  });
});

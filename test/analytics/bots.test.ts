import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/storage/migrations/index.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const CURL = 'curl/8.5.0';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

async function eventsOf(t: TestApp, key: string, type: string, linkId: string): Promise<any[]> {
  const all: any[] = [];
  for (let cursor: string | null = ''; cursor !== null; ) {
    const res = await t.api('GET', `/api/events?type=${type}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, undefined, key);
    expect(res.status, res.text).toBe(200);
    all.push(...res.json().data);
    cursor = res.json().next_cursor;
  }
  return all.filter((e) => e.data.link.id === linkId);
}

describe.each(DIALECTS)('people and bots apart on %s', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('a curl visit moves bot_clicks, not clicks; a browser moves clicks; a crawler neither', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/bots' }, key)).json();
    expect(link).toMatchObject({ clicks: 0, bot_clicks: 0 });

    expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': CURL } })).status).toBe(302);
    let now = (await t.api('GET', `/api/links/${link.id}`, undefined, key)).json();
    expect(now).toMatchObject({ clicks: 0, bot_clicks: 1 });

    expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': CHROME } })).status).toBe(302);
    expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': GOOGLEBOT } })).status).toBe(302);
    now = (await t.api('GET', `/api/links/${link.id}`, undefined, key)).json();
    expect(now).toMatchObject({ clicks: 1, bot_clicks: 1 });

    // The list shows the same split.
    const listed = (await t.api('GET', `/api/links?search=${link.slug}`, undefined, key)).json().data.find((l: any) => l.id === link.id);
    expect(listed).toMatchObject({ clicks: 1, bot_clicks: 1 });
  });

  it('bots never reach a milestone: 100 curl visits and 99 people fire none, the 100th person fires 100', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/milestone' }, key)).json();
    const visit = (ua: string) => http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': ua } }).then((r) => r.status);
    const statuses = await Promise.all([...Array.from({ length: 100 }, () => visit(CURL)), ...Array.from({ length: 99 }, () => visit(CHROME))]);
    expect(statuses.every((s) => s === 302)).toBe(true);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, key)).json()).toMatchObject({ clicks: 99, bot_clicks: 100 });
    expect(await eventsOf(t, key, 'analytics.milestone', link.id)).toEqual([]);

    expect(await visit(CHROME)).toBe(302);
    const milestones = await eventsOf(t, key, 'analytics.milestone', link.id);
    expect(milestones.map((e) => e.data.milestone)).toEqual([100]);
  });
});

describe.each(DIALECTS)('migration 016 on %s', (dialect) => {
  it('moves the bot clicks stored before it out of clicks, and rolls the stored clicks up', async () => {
    const database = await createTestDatabase(dialect);
    const storage = database.open();
    try {
      const migrator = new Migrator({
        db: storage.db,
        provider: { getMigrations: () => Promise.resolve(migrations) },
        migrationTableName: 'linkwire_migrations',
        migrationLockTableName: 'linkwire_migrations_lock',
      });
      expect((await migrator.migrateTo('012_deferred_fanout')).error).toBeUndefined();
      const now = Date.parse('2026-12-01T10:30:00.000Z');
      const ws = 'ws_00000000000000000000000001';
      await storage.db.insertInto('workspaces').values({ id: ws, name: 'old', plan: 'pro', settings: '{}', created_at: now, updated_at: now }).execute();
      const row = {
        workspace_id: ws, domain: 'localhost:8080', title: null, tags: '[]', expires_at: null, max_clicks: null, expired_url: null, rules: '[]',
        geo_block: '[]', utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, forward_params: 0, block_bots: 0,
        og_title: null, og_description: null, monitor: 0, expired_notified: 0, limit_notified: 0, created_at: now, updated_at: now, url: 'https://example.com/',
      };
      // Link 1 counted 5 clicks, 3 of them still stored, 2 of those bots; link 2 counted 1 bot.
      await storage.db.insertInto('links').values([
        { ...row, id: 'lnk_00000000000000000000000001', slug: 'one', clicks: 5 },
        { ...row, id: 'lnk_00000000000000000000000002', slug: 'two', clicks: 1 },
      ] as never).execute();
      const click = (id: string, link: string, bot: number, extra: object = {}) => ({
        id, workspace_id: ws, link_id: link, timestamp: now, country: 'FR', city: 'Paris', is_eu_country: 1, device: 'desktop', os: 'macOS', browser: 'Chrome',
        referrer: null, referrer_domain: null, bot, bot_name: bot ? 'curl' : null, qr: 0, destination: 'https://example.com/?utm_source=news', params: '{}', user_agent: null, ip: null, ...extra,
      });
      await storage.db.insertInto('clicks').values([
        click('clk_00000000000000000000000001', 'lnk_00000000000000000000000001', 0),
        click('clk_00000000000000000000000002', 'lnk_00000000000000000000000001', 1),
        click('clk_00000000000000000000000003', 'lnk_00000000000000000000000001', 1, { timestamp: now + 3_600_000 }),
        click('clk_00000000000000000000000004', 'lnk_00000000000000000000000002', 1),
      ]).execute();

      await storage.migrate();

      const links = await storage.db.selectFrom('links').select(['slug', 'clicks', 'bot_clicks']).orderBy('id').execute();
      expect(links.map((l) => ({ ...l, clicks: Number(l.clicks), bot_clicks: Number(l.bot_clicks) }))).toEqual([
        { slug: 'one', clicks: 3, bot_clicks: 2 },
        { slug: 'two', clicks: 0, bot_clicks: 1 },
      ]);
      const hours = await storage.db.selectFrom('analytics_hours').selectAll().where('scope', '=', '*').orderBy('hour').orderBy('bot').execute();
      expect(hours.map((h) => [Number(h.hour), Number(h.bot), Number(h.clicks)])).toEqual([
        [Date.parse('2026-12-01T10:00:00.000Z'), 0, 1],
        [Date.parse('2026-12-01T10:00:00.000Z'), 1, 2],
        [Date.parse('2026-12-01T11:00:00.000Z'), 1, 1],
      ]);
      const utm = await storage.db.selectFrom('analytics_days').select(['value', 'clicks']).where('scope', '=', '*').where('span', '=', 1).where('dim', '=', 'utm_source').execute();
      expect(utm.reduce((n, r) => n + Number(r.clicks), 0)).toBe(4);
      expect(new Set(utm.map((r) => r.value))).toEqual(new Set(['news']));
    } finally {
      await storage.close();
      await database.drop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import type { ExpiryTimer } from '../../src/links/expiry-timer.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { createLink } from '../helpers/links.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { sleep, until } from '../helpers/wait.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** SPEC §4: `link.expired` fires when `expires_at` passes (within 60 s, no visit needed) or at the first visit after it — once. */
describe.each(DIALECTS)('link.expired on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let timer: ExpiryTimer;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual' });
    clock = t.clock as ManualClock;
    ({ key } = await t.signup());
    timer = t.app.jobs.find((j) => j.name === 'link-expiry') as ExpiryTimer;
    expect(timer).toBeDefined();
    // Driven by hand against the manual clock: its own loop would race the visits these tests make first.
    await timer.stop();
  });
  afterAll(async () => t?.close());

  const expiredEvents = async (linkId: string) =>
    ((await t.api('GET', '/api/events?type=link.expired&limit=100', undefined, key)).json().data as any[]).filter((e) => e.data.link.id === linkId);
  const visit = (slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': BROWSER } });
  const expiringIn = (ms: number) => new Date(clock.now() + ms).toISOString();

  it('fires by the timer with no visit, once, and a later visit fires nothing more', async () => {
    const link = await createLink(t, key, { url: 'https://example.com/sale', expires_at: expiringIn(30_000) });
    expect((await timer.runOnce()).fired).toBe(0);
    expect(await expiredEvents(link.id)).toHaveLength(0);

    clock.advance(31_000);
    expect((await timer.runOnce()).fired).toBe(1);
    const [event, ...others] = await expiredEvents(link.id);
    expect(others).toHaveLength(0);
    expect(event).toMatchObject({ type: 'link.expired', actor: { type: 'system', id: null }, data: { link: { id: link.id, expires_at: link.expires_at } } });

    expect((await timer.runOnce()).fired).toBe(0);
    expect((await visit(link.slug)).status).toBe(410);
    expect(await expiredEvents(link.id)).toHaveLength(1);
  });

  it('a visit that comes first fires it instead, and the timer then fires nothing', async () => {
    const link = await createLink(t, key, { url: 'https://example.com/flash', expires_at: expiringIn(30_000) });
    clock.advance(31_000);
    expect((await visit(link.slug)).status).toBe(410);
    await until('the visit’s link.expired', async () => (await expiredEvents(link.id)).length === 1);
    expect((await timer.runOnce()).fired).toBe(0);
    expect(await expiredEvents(link.id)).toHaveLength(1);
  });

  it('a new expires_at arms it again; a disabled link fires nothing until it is enabled', async () => {
    const link = await createLink(t, key, { url: 'https://example.com/again', expires_at: expiringIn(10_000) });
    clock.advance(11_000);
    await timer.runOnce();
    expect(await expiredEvents(link.id)).toHaveLength(1);

    await t.api('PATCH', `/api/links/${link.id}`, { expires_at: expiringIn(10_000), enabled: false }, key);
    clock.advance(11_000);
    expect((await timer.runOnce()).fired).toBe(0);
    expect(await expiredEvents(link.id)).toHaveLength(1);

    await t.api('PATCH', `/api/links/${link.id}`, { enabled: true }, key);
    expect((await timer.runOnce()).fired).toBe(1);
    expect(await expiredEvents(link.id)).toHaveLength(2);
  });
});

describe.each(DIALECTS)('the expiry timer on its own clock on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('fires within 60 s of expires_at while nobody visits', async () => {
    const { key } = await t.signup();
    const expiresAt = Date.now() + 1_500;
    const link = await createLink(t, key, { url: 'https://example.com/soon', expires_at: new Date(expiresAt).toISOString() });
    const event = await until(
      'link.expired without a visit',
      async () => ((await t.api('GET', '/api/events?type=link.expired', undefined, key)).json().data as any[]).find((e) => e.data.link.id === link.id),
      60_000,
    );
    const late = Date.parse(event.timestamp) - expiresAt;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(60_000);
  }, 90_000);
});

describe('link.expired with two server processes on one PostgreSQL', () => {
  let db: TestDatabase | null = null;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await db?.drop();
  });

  it('is fired exactly once without a visit, by whichever timer gets there, and a restart does not repeat it', async () => {
    db = await createTestDatabase('postgres');
    const env = { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_ROLE: 'api,worker', LINKWIRE_CLICK_JOURNAL: 'off' };
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    servers.push(a, b);
    const key = (await http(a.url, 'POST', '/api/auth/signup', { body: { email: 'expiry@example.com', password: 'a long password' } })).json().api_key as string;
    // Both timers hear of the new link (NOTIFY) and arm themselves for this very moment: they race for it.
    const expiresAt = Date.now() + 4_000;
    const created = await http(a.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/race', expires_at: new Date(expiresAt).toISOString() } });
    expect(created.status, created.text).toBe(201);
    const linkId = created.json().id as string;

    const storage = db.open();
    try {
      const expiredRows = () => storage.db.selectFrom('events').select(['id', 'timestamp']).where('type', '=', 'link.expired').where('link_id', '=', linkId).execute();
      const [first] = await until('link.expired', async () => {
        const rows = await expiredRows();
        return rows.length > 0 ? rows : null;
      }, 60_000);
      expect(Number(first!.timestamp) - expiresAt).toBeLessThan(60_000);

      // The other timer was armed for the same moment and has run; a restarted process runs its
      // timer as it starts. Give them a few seconds to (not) fire again.
      await a.kill('SIGKILL');
      servers.push(await startServerProcess(env));
      await sleep(5_000);
      expect(await expiredRows()).toHaveLength(1);
    } finally {
      await storage.close();
    }
  }, 120_000);
});

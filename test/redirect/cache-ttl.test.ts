import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' };

/**
 * The safety net behind change signals: a change that reaches the database without a signal
 * (here: written with plain SQL) is served once the cached entry's lifetime ends — for found
 * links and for cached 404s alike.
 */
describe.each(DIALECTS)('link cache entries have a bounded lifetime on %s', (dialect) => {
  let t: TestApp;
  afterAll(async () => t?.close());

  it('serves a change made behind its back after LINKWIRE_LINK_CACHE_TTL_S, not before', async () => {
    t = await startTestApp(dialect, { config: { linkCacheTtlMs: 1000 } });
    await t.signup();
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/old', slug: 'ttl' })).status).toBe(201);
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/renamed', slug: 'before-rename' })).status).toBe(201);
    const location = async (slug: string) => {
      const res = await http(t.url, 'GET', `/${slug}`, { headers: BROWSER });
      return res.status === 302 ? res.headers.location : res.status;
    };
    expect(await location('ttl')).toBe('https://example.com/old');
    expect(await location('ghost')).toBe(404);

    // No signal: nothing but the lifetime can make the cache look again.
    await sql`update links set url = 'https://example.com/new' where slug = 'ttl'`.execute(t.storage.db);
    await sql`update links set slug = 'ghost' where slug = 'before-rename'`.execute(t.storage.db);
    const changedAt = Date.now();
    expect(await location('ttl')).toBe('https://example.com/old'); // still cached
    expect(await location('ghost')).toBe(404);

    await until('new target after expiry', async () => (await location('ttl')) === 'https://example.com/new', 5000);
    await until('cached 404 expired', async () => (await location('ghost')) === 'https://example.com/renamed', 5000);
    expect(Date.now() - changedAt).toBeGreaterThanOrEqual(500);
  });
});

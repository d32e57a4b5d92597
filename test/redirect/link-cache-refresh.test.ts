import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Link } from '../../src/links/link-schema.js';
import { LinkCache } from '../../src/redirect/link-cache.js';
import type { Storage } from '../../src/storage/storage.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/**
 * An expired cache entry is served while it reloads in the background: no redirect of a known
 * link waits on the database, and while the database is away the link keeps answering.
 */
describe('link cache: expired entries are served while they reload', () => {
  let t: TestApp;
  afterAll(async () => t?.close());

  /** The app's storage, with a switch that makes every query fail as an unreachable database does. */
  function flakyStorage(storage: Storage) {
    const state = { down: false, queries: 0 };
    const flaky = {
      subscribe: storage.subscribe.bind(storage),
      get db() {
        state.queries++;
        if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return storage.db;
      },
    } as unknown as Storage;
    return { flaky, state };
  }

  it('answers from the expired entry at once, then serves what the reload found', async () => {
    t = await startTestApp('sqlite');
    await t.signup();
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/old', slug: 'swr' })).json<Link>();
    const { flaky, state } = flakyStorage(t.storage);
    const cache = new LinkCache(flaky, t.config.baseUrl, t.config.defaultDomain, 100, 200);
    expect((await cache.get(link.domain, 'swr'))?.url).toBe('https://example.com/old');
    // Changed behind the cache's back (no signal): only the lifetime makes it look again.
    await sql`update links set url = 'https://example.com/new' where slug = 'swr'`.execute(t.storage.db);
    await new Promise((r) => setTimeout(r, 250));

    const queriesBefore = state.queries;
    expect(cache.peek(link.domain, 'swr')?.url).toBe('https://example.com/old'); // synchronous, no wait
    expect(cache.peek(link.domain, 'swr')?.url).toBe('https://example.com/old'); // one reload, not one per request
    await until('the reload is served', () => cache.peek(link.domain, 'swr')?.url === 'https://example.com/new', 2_000);
    expect(state.queries - queriesBefore).toBeLessThanOrEqual(3); // the link row (+ its workspace): one reload
    cache.close();
  });

  it('keeps serving a cached link while the database is unreachable, retrying at a bounded rate', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/outage', slug: 'outage' })).json<Link>();
    const { flaky, state } = flakyStorage(t.storage);
    const cache = new LinkCache(flaky, t.config.baseUrl, t.config.defaultDomain, 100, 100);
    expect((await cache.get(link.domain, 'outage'))?.url).toBe('https://example.com/outage');
    state.down = true;
    const tries = state.queries;
    const started = Date.now();
    while (Date.now() - started < 1_500) {
      expect(cache.peek(link.domain, 'outage')?.url).toBe('https://example.com/outage');
      await new Promise((r) => setTimeout(r, 5));
    }
    // Hundreds of redirects, a handful of reload attempts (every 100 ms TTL → capped at the TTL here).
    expect(state.queries - tries).toBeGreaterThan(0);
    expect(state.queries - tries).toBeLessThanOrEqual(20);

    state.down = false;
    await sql`update links set url = 'https://example.com/back' where slug = 'outage'`.execute(t.storage.db);
    await until('reloaded once the database is back', () => cache.peek(link.domain, 'outage')?.url === 'https://example.com/back', 2_000);
    cache.close();
  });

  it('a link never seen still waits for the database (nothing to serve meanwhile)', async () => {
    const { flaky, state } = flakyStorage(t.storage);
    const cache = new LinkCache(flaky, t.config.baseUrl, t.config.defaultDomain, 100, 100);
    state.down = true;
    expect(cache.peek(t.config.defaultDomain, 'never-seen')).toBeUndefined();
    await expect(cache.get(t.config.defaultDomain, 'never-seen')).rejects.toThrow(/ECONNREFUSED/);
    cache.close();
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/**
 * Traffic alerts are exact across processes (issue 23 item 8): two redirect processes, each with
 * its own click journal and ingester, share one PostgreSQL. 1 000 concurrent clicks split between
 * them reach an alert of 500 once (not once per process) and an alert of 1 000 once (which neither
 * process reaches alone).
 */
describe('traffic alerts with two redirect processes on PostgreSQL', () => {
  let db: TestDatabase | null = null;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await db?.drop();
  });

  it('fires each alert once under 1 000 concurrent clicks', async () => {
    db = await createTestDatabase('postgres');
    const env = { LINKWIRE_DATABASE_URL: db.url };
    const a = await startServerProcess({ ...env, LINKWIRE_ROLE: 'all' });
    servers.push(a);
    const b = await startServerProcess({ ...env, LINKWIRE_ROLE: 'redirect' });
    servers.push(b);
    const key = (await http(a.url, 'POST', '/api/auth/signup', { body: { email: 'alerts@example.com', password: 'a long password' } })).json().api_key;
    const created = await http(a.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/launch', alerts: [{ clicks: 500, window_s: 3600 }, { clicks: 1000, window_s: 3600 }] } });
    expect(created.status, created.text).toBe(201);
    const link = created.json();

    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => http((i % 2 === 0 ? a : b).url, 'GET', `/${link.slug}`, { headers: { 'user-agent': BROWSER } })));
    expect(answers.filter((r) => r.status === 302)).toHaveLength(1000);

    // Both journals ingested: every click counted.
    await until('1 000 clicks counted', async () => (await http(a.url, 'GET', `/api/links/${link.id}`, { token: key })).json().clicks === 1000, 60_000);
    const events = async () => ((await http(a.url, 'GET', '/api/events?type=analytics.threshold&limit=100', { token: key })).json().data as any[]).filter((e) => e.data.link.id === link.id);
    const fired = await until('both alerts fired', async () => {
      const list = await events();
      return list.length >= 2 ? list : null;
    }, 30_000);
    expect(fired.map((e) => e.data.threshold.clicks).sort((x, y) => x - y)).toEqual([500, 1000]);
    expect(fired.find((e) => e.data.threshold.clicks === 500).data.count).toBeGreaterThanOrEqual(500);
    expect(fired.find((e) => e.data.threshold.clicks === 1000).data.count).toBe(1000);
    // Nothing more arrives late from the other process's ingester.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await events()).toHaveLength(2);
  }, 180_000);
});

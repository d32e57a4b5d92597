import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { configWith, type Role } from '../../src/config.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { until } from '../helpers/wait.js';

/** Scale-out: an API instance changes a link, a separate redirect instance (own cache) follows at once. */
describe('the link cache across instances on PostgreSQL', () => {
  let db: TestDatabase;
  const opened: { app: App; storage: Storage }[] = [];
  afterAll(async () => {
    for (const { app, storage } of opened) {
      await app.close();
      await storage.close();
    }
    await db?.drop();
  });

  async function instance(roles: Role[]): Promise<{ app: App; url: string }> {
    const storage = db.open();
    await storage.migrate();
    // Each instance its own click journal, as each process has.
    const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-journal-'));
    const app = await createApp({ config: configWith({ roles: new Set(roles), logLevel: 'silent', journalDir }), storage, logLevel: 'silent' });
    opened.push({ app, storage });
    return { app, url: await app.listen(0, '127.0.0.1') };
  }

  it('serves the new destination, a deleted slug and a re-created one without a restart', async () => {
    db = await createTestDatabase('postgres');
    const api = await instance(['api']);
    const redirect = await instance(['redirect']);
    const key = (await http(api.url, 'POST', '/api/auth/signup', { body: { email: 'cache@example.com', password: 'a long password' } })).json().api_key;
    const link = (await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/one', slug: 'shared' } })).json();
    const location = async () => {
      const res = await http(redirect.url, 'GET', '/shared', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } });
      return res.status === 302 ? res.headers.location : res.status;
    };
    expect(await location()).toBe('https://example.com/one'); // now cached in the redirect instance

    await http(api.url, 'PATCH', `/api/links/${link.id}`, { token: key, body: { url: 'https://example.com/two' } });
    await until('new destination', async () => (await location()) === 'https://example.com/two', 2000);
    await http(api.url, 'DELETE', `/api/links/${link.id}`, { token: key });
    await until('404 after delete', async () => (await location()) === 404, 2000);
    await http(api.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/three', slug: 'shared' } });
    await until('re-created', async () => (await location()) === 'https://example.com/three', 2000);
    // The API-only instance does not serve redirects at all.
    expect((await http(api.url, 'GET', '/shared')).status).toBe(404);
  });
});

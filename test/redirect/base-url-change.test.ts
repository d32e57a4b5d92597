import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe.each(DIALECTS)('changing LINKWIRE_BASE_URL (%s, real processes)', (dialect) => {
  const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-baseurl-'));
  let db: TestDatabase | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db?.drop();
    rmSync(journalDir, { recursive: true, force: true });
  });

  it('moves the default-domain links along: they redirect under the new host and show the new short_url', async () => {
    db = await createTestDatabase(dialect);
    const env = { LINKWIRE_DATABASE_URL: db.url, LINKWIRE_JOURNAL_DIR: journalDir };
    server = await startServerProcess({ ...env, LINKWIRE_BASE_URL: 'https://old-short.test' });
    const key = (await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'base@example.com', password: 'a long password' } })).json().api_key as string;
    const made = [];
    for (const url of ['https://example.com/one', 'https://example.com/two']) {
      const res = await http(server.url, 'POST', '/api/links', { token: key, body: { url } });
      expect(res.status).toBe(201);
      made.push(res.json<{ id: string; slug: string; short_url: string }>());
    }
    expect(made[0]!.short_url).toBe(`https://old-short.test/${made[0]!.slug}`);
    await server.kill('SIGTERM');

    server = await startServerProcess({ ...env, LINKWIRE_BASE_URL: 'https://new-short.test' });
    for (const [i, link] of made.entries()) {
      const shown = (await http(server.url, 'GET', `/api/links/${link.id}`, { token: key })).json<{ short_url: string; domain: string }>();
      expect(shown).toMatchObject({ short_url: `https://new-short.test/${link.slug}`, domain: 'new-short.test' });
      const visit = await http(server.url, 'GET', `/${link.slug}`, { headers: { host: 'new-short.test', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } });
      expect(visit.status).toBe(302);
      expect(visit.headers.location).toBe(['https://example.com/one', 'https://example.com/two'][i]);
    }
    // A new link with a moved link's slug is refused: the slug is taken on the new domain.
    const clash = await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/three', slug: made[0]!.slug } });
    expect(clash.status).toBe(409);
  }, 180_000);
});

import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe.each(DIALECTS)('a redirect server killed with SIGKILL on %s', (dialect) => {
  let db: TestDatabase | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db?.drop();
  });

  it('loses no click it answered', async () => {
    db = await createTestDatabase(dialect);
    server = await startServerProcess({ LINKWIRE_DATABASE_URL: db.url });
    const signup = await http(server.url, 'POST', '/api/auth/signup', { body: { email: 'crash@example.com', password: 'a long password' } });
    const key = signup.json().api_key as string;
    const link = (await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/crash' } })).json();

    const agent = new Agent({ connections: 64 });
    let answered = 0;
    let stop = false;
    const target = `${server.url}/${link.slug as string}`;
    const worker = async () => {
      while (!stop) {
        try {
          const res = await request(target, { dispatcher: agent, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } });
          await res.body.dump();
          if (res.statusCode === 302) answered++;
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 32 }, worker);
    while (answered < 1500) await new Promise((r) => setTimeout(r, 20));
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await agent.close();
    server = null;

    const storage = db.open();
    try {
      const row = await storage.db.selectFrom('links').select('clicks').where('id', '=', link.id).executeTakeFirstOrThrow();
      const clicks = await storage.db.selectFrom('clicks').select((eb) => eb.fn.countAll<number>().as('n')).where('link_id', '=', link.id).executeTakeFirstOrThrow();
      const events = await storage.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('link_id', '=', link.id)
        .where('type', '=', 'link.clicked')
        .executeTakeFirstOrThrow();
      expect(answered).toBeGreaterThanOrEqual(1500);
      expect(row.clicks).toBeGreaterThanOrEqual(answered);
      expect(Number(clicks.n)).toBe(row.clicks);
      expect(Number(events.n)).toBe(row.clicks);
    } finally {
      await storage.close();
    }
  });
});

import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { configWith } from '../../src/config.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** Sends raw bytes and returns everything the server wrote until it closed the connection (or 2 s passed). */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(received) : reject(err)));
    socket.on('close', () => resolve(received));
    socket.setTimeout(2000, () => socket.destroy());
    socket.write(request);
  });
}

/** mulberry32: a small seeded generator, so the statistical rotator test is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(DIALECTS)('input hardening on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let forced: number | null = null;
  const prng = seeded(42);

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { trustProxy: { kind: 'hops', hops: 1 } }, random: () => forced ?? prng() });
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  const visit = (slug: string, headers: Record<string, string> = {}, method = 'GET', query = '') =>
    http(t.url, method, `/${slug}${query}`, { headers: { 'user-agent': CHROME, ...headers } });
  const create = (body: Record<string, unknown>) => t.api('POST', '/api/links', body, key);
  const clicksOf = async (id: string) => (await t.api('GET', `/api/links/${id}`, undefined, key)).json().clicks as number;
  const clickEvents = async (linkId: string) =>
    (await t.api('GET', '/api/events?type=link.clicked&limit=100', undefined, key)).json().data.filter((e: any) => e.data.link.id === linkId);

  it('item 4: non-ASCII destinations are stored normalised and redirect with a valid Location', async () => {
    const cases = [
      ['https://ja.wikipedia.org/wiki/日本', 'https://ja.wikipedia.org/wiki/%E6%97%A5%E6%9C%AC'],
      ['https://例え.テスト/', 'https://xn--r8jz45g.xn--zckzah/'],
      ['https://example.com/search?q=💥', 'https://example.com/search?q=%F0%9F%92%A5'],
      ['https://example.com/a#frag ment'.replace(' ', 'é'), 'https://example.com/a#frag%C3%A9ment'],
    ];
    for (const [input, stored] of cases) {
      const res = await create({ url: input, expired_url: input, rules: [{ what: 'country', matches: ['DE'], url: input }] });
      expect(res.status, res.text).toBe(201);
      expect(res.json()).toMatchObject({ url: stored, expired_url: stored, rules: [{ url: stored }] });
      const answer = await visit(res.json().slug);
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe(stored);
    }
  });

  it('item 4: control characters and whitespace are refused with a clear 400 and change nothing', async () => {
    for (const url of ['https://example.com/a\u0001b', 'https://example.com/a b', ' https://example.com/', 'https://example.com/\u2028', 'https://example.com/\u007f', 'https://exa\tmple.com/']) {
      const res = await create({ url });
      expect(res.status, JSON.stringify(url)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
      expect(res.json().error.message).toMatch(/url must not contain whitespace or control characters \(found U\+[0-9A-F]{4} at position \d+\)/);
    }
    const rule = await create({ url: 'https://example.com/', rules: [{ what: 'country', matches: ['US'], url: 'https://example.com/\n' }] });
    expect(rule.status).toBe(400);
    expect(rule.json().error.details.fields).toEqual([{ field: 'rules[0].url', message: expect.stringContaining('U+000A') }]);
    const list = (await t.api('GET', '/api/links?search=example.com%2Fa', undefined, key)).json().data;
    expect(list.filter((l: any) => l.url.includes('%01'))).toEqual([]);
  });

  it('item 4: a migration normalises destinations stored before the rule, and the visit never 5xxs', async () => {
    const database = await createTestDatabase(dialect);
    const storage = database.open();
    try {
      const migrator = new Migrator({
        db: storage.db,
        provider: { getMigrations: () => Promise.resolve(migrations) },
        migrationTableName: 'linkwire_migrations',
        migrationLockTableName: 'linkwire_migrations_lock',
      });
      const before = await migrator.migrateTo('004_delivery_claims');
      expect(before.error).toBeUndefined();
      const now = Date.now();
      await storage.db.insertInto('workspaces').values({ id: 'ws_00000000000000000000000001', name: 'old', plan: 'pro', settings: '{}', created_at: now, updated_at: now }).execute();
      const row = {
        workspace_id: 'ws_00000000000000000000000001', domain: 'localhost:8080', title: null, tags: '[]', expires_at: null, max_clicks: null,
        geo_block: '[]', utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, forward_params: 0, block_bots: 0,
        og_title: null, og_description: null, monitor: 0, clicks: 0, expired_notified: 0, limit_notified: 0, created_at: now, updated_at: now,
      };
      // Rows as the links table stood at 004 (later columns do not exist yet, hence the cast).
      await storage.db.insertInto('links').values(([
        { ...row, id: 'lnk_00000000000000000000000001', slug: 'wiki', url: 'https://ja.wikipedia.org/wiki/日本', expired_url: 'https://例え.テスト/', rules: JSON.stringify([{ what: 'rotator', url: 'https://example.com/?q=💥', weight: 1 }]) },
        { ...row, id: 'lnk_00000000000000000000000002', slug: 'idn', url: 'https://例え.テスト/', expired_url: null, rules: '[]' },
      ]) as never).execute();
      await storage.migrate();
      const stored = await storage.db.selectFrom('links').select(['slug', 'url', 'expired_url', 'rules']).orderBy('id').execute();
      expect(stored).toEqual([
        { slug: 'wiki', url: 'https://ja.wikipedia.org/wiki/%E6%97%A5%E6%9C%AC', expired_url: 'https://xn--r8jz45g.xn--zckzah/', rules: JSON.stringify([{ what: 'rotator', url: 'https://example.com/?q=%F0%9F%92%A5', weight: 1 }]) },
        { slug: 'idn', url: 'https://xn--r8jz45g.xn--zckzah/', expired_url: null, rules: '[]' },
      ]);
      const app = await createApp({ config: configWith({ logLevel: 'silent', dnsServer: { host: '127.0.0.1', port: 9 }, journalDir: mkdtempSync(join(tmpdir(), 'linkwire-journal-')) }), storage, logLevel: 'silent', random: () => 0.99 });
      const url = await app.listen(0, '127.0.0.1');
      try {
        const wiki = await http(url, 'GET', '/wiki', { headers: { host: 'localhost:8080', 'user-agent': CHROME } });
        expect(wiki.status).toBe(302);
        expect(wiki.headers.location).toBe('https://ja.wikipedia.org/wiki/%E6%97%A5%E6%9C%AC');
        const idn = await http(url, 'GET', '/idn', { headers: { host: 'localhost:8080', 'user-agent': CHROME } });
        expect(idn.status).toBe(302);
        expect(idn.headers.location).toBe('https://xn--r8jz45g.xn--zckzah/');
      } finally {
        await app.close();
      }
    } finally {
      await storage.close();
      await database.drop();
    }
  });

  it('item 5: a link that holds too much is refused with a 400 naming the limit', async () => {
    const url = 'https://example.com/';
    const rule = (n: number) => ({ what: 'country', matches: Array.from({ length: n }, () => 'DE'), url });
    const tooMany = await create({ url, rules: Array.from({ length: 21 }, () => rule(1)) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json().error.message).toContain('rules must have at most 20 rules (got 21)');
    const matches = await create({ url, rules: [rule(51)] });
    expect(matches.status).toBe(400);
    expect(matches.json().error.message).toContain('rules.0.matches must NOT have more than 50 items'); // the schema's own limit (OpenAPI states it)
    // 700 "é" are 700 characters typed but 4 206 once percent-encoded.
    const long = await create({ url: `https://example.com/${'é'.repeat(700)}` });
    expect(long.status).toBe(400);
    expect(long.json().error.message).toContain('url must be at most 2048 characters once percent-encoded (it is 4220)');
    const tags = await create({ url, tags: Array.from({ length: 26 }, (_, i) => `t${i}`) });
    expect(tags.status).toBe(400);
    expect(tags.json().error.message).toContain('tags must NOT have more than 25 items');
    // Each part within its own limit, together too big: 20 rules of 2 000-character URLs.
    const big = await create({ url, rules: Array.from({ length: 20 }, (_, i) => ({ what: 'os', matches: ['ios'], url: `https://example.com/${i}/${'a'.repeat(2000)}` })) });
    expect(big.status).toBe(400);
    expect(big.json().error.message).toMatch(/a link may hold at most 16384 bytes of URLs, rules, tags and texts \(this one has \d+\)/);
    // The same limit applies when a PATCH makes a link too big; the link is unchanged.
    const small = (await create({ url })).json();
    const grow = await t.api('PATCH', `/api/links/${small.id}`, { rules: Array.from({ length: 20 }, (_, i) => ({ what: 'os', matches: ['ios'], url: `https://example.com/${i}/${'a'.repeat(2000)}` })) }, key);
    expect(grow.status).toBe(400);
    expect((await t.api('GET', `/api/links/${small.id}`, undefined, key)).json().rules).toEqual([]);
  });

  it('item 5: a click with a huge user agent, referrer and query keeps a small event', async () => {
    const link = (await create({ url: 'https://example.com/small' })).json();
    const query = `?${Array.from({ length: 25 }, (_, i) => `p${i}${'k'.repeat(70)}=${'v'.repeat(300)}`).join('&')}`;
    const res = await visit(link.slug, { 'user-agent': `${CHROME} ${'x'.repeat(2000)}`, referer: `https://ref.example/${'r'.repeat(2000)}` }, 'GET', query);
    expect(res.status).toBe(302);
    const [event] = await clickEvents(link.id);
    const click = event.data.click;
    expect(click.user_agent).toHaveLength(512);
    expect(click.referrer).toHaveLength(1024);
    expect(Object.keys(click.params)).toHaveLength(20);
    expect(Object.keys(click.params).every((k) => k.length <= 64)).toBe(true);
    expect(Object.values(click.params).every((v) => (v as string).length <= 256)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(12_000);
  });

  it('item 6: integrations.settings 5 000 levels deep is a 400, never a 500', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const res = await http(t.url, 'POST', '/api/integrations', { token: key, rawBody: `{"type":"slack","name":"deep","settings":${deep}}`, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'Request body is nested 5001 levels deep; at most 32 are allowed' });
    const arrays = await http(t.url, 'POST', '/api/links', { token: key, rawBody: `{"url":"https://e.com","tags":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, headers: { 'content-type': 'application/json' } });
    expect(arrays.status).toBe(400);
    // Brackets inside strings are text, not nesting.
    const ok = await http(t.url, 'POST', '/api/integrations', { token: key, rawBody: JSON.stringify({ type: 'slack', name: 'x', settings: { note: '{'.repeat(100) } }), headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(201);
  });

  it('item 7: HEAD answers that are errors carry no body (node parser, Fastify, redirect)', async () => {
    const big = 'a'.repeat(20_000);
    const head431 = await rawExchange(t.url, `HEAD /anything HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`);
    expect(head431).toMatch(/^HTTP\/1\.1 431 /);
    expect(head431.endsWith('\r\n\r\n')).toBe(true);
    const get431 = await rawExchange(t.url, `GET /anything HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`);
    expect(get431).toMatch(/^HTTP\/1\.1 431 /);
    expect(get431).toContain('"code":"VALIDATION_ERROR"');

    for (const path of ['/api/workspace', '/no-such-slug', '/api/no-such-route']) {
      const head = await rawExchange(t.url, `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(head, path).toMatch(/^HTTP\/1\.1 40[14] /);
      expect(head.endsWith('\r\n\r\n'), path).toBe(true);
    }
  });

  it('item 10: the redirect takes the right-most X-Forwarded-For entry for excluded_ips and the click IP', async () => {
    expect((await t.api('PATCH', '/api/workspace', { settings: { include_click_ip: true, excluded_ips: ['203.0.113.0/24'] } }, key)).status).toBe(200);
    const link = (await create({ url: 'https://example.com/xff' })).json();
    // A visitor outside the excluded range spoofs an excluded address as the left-most entry.
    expect((await visit(link.slug, { 'x-forwarded-for': '203.0.113.9, 198.51.100.50' })).status).toBe(302);
    expect(await clicksOf(link.id)).toBe(1);
    expect((await clickEvents(link.id))[0].data.click.ip).toBe('198.51.100.50');
    // A visitor inside the excluded range cannot escape it by prepending another address.
    expect((await visit(link.slug, { 'x-forwarded-for': '198.51.100.51, 203.0.113.10' })).status).toBe(302);
    expect(await clicksOf(link.id)).toBe(1);
    await t.api('PATCH', '/api/workspace', { settings: { include_click_ip: false, excluded_ips: [] } }, key);
  });

  it('item 20: enum and union errors name the allowed values', async () => {
    const status = await t.api('GET', '/api/webhooks/wh_00000000000000000000000000/deliveries?status=done', undefined, key);
    expect(status.status).toBe(400);
    expect(status.json().error.message).toBe('Invalid request (querystring): status must be one of pending, succeeded, failed');
    const hook = { name: 'h', url: 'https://hooks.example.com/x', events: ['link.clicked'] };
    const retry = await t.api('POST', '/api/webhooks', { ...hook, retry: { mode: 'linear' } }, key);
    expect(retry.json().error.message).toBe('Invalid request: retry.mode must be one of exponential, none');
    const retryShape = await t.api('POST', '/api/webhooks', { ...hook, retry: { mode: 'none', schedule_s: [1] } }, key);
    expect(retryShape.json().error.message).toBe('Invalid request: retry.schedule_s must NOT have additional properties');
    const format = await t.api('POST', '/api/webhooks', { ...hook, format: 'teams' }, key);
    expect(format.json().error.message).toBe('Invalid request: format must be one of standard, slack, discord, awsys, nobsredir, linkzly, snip, linkly');
    const what = await create({ url: 'https://example.com/', rules: [{ what: 'planet', matches: ['x'], url: 'https://example.com/' }] });
    expect(what.json().error.message).toBe('Invalid request: rules.0.what must be one of country, device, os, rotator');
  });

  it('item 21: known unfurlers get an escaped Open Graph page and are not counted; people get the 302', async () => {
    const link = (await create({ url: 'https://example.com/og', og_title: 'Big <sale> & "more"', og_description: "It's <script>alert(1)</script>" })).json();
    const bots = ['Twitterbot/1.0', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'facebookexternalhit/1.1', 'LinkedInBot/1.0 (compatible; Mozilla/5.0)', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'WhatsApp/2.23.20.0', 'TelegramBot (like TwitterBot)', 'Mozilla/5.0 (Macintosh) Applebot/0.1'];
    for (const ua of bots) {
      const res = await visit(link.slug, { 'user-agent': ua });
      expect(res.status, ua).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<meta property="og:title" content="Big &#60;sale&#62; &#38; &#34;more&#34;">');
      expect(res.text).toContain('<meta property="og:description" content="It&#39;s &#60;script&#62;alert(1)&#60;/script&#62;">');
      expect(res.text).not.toContain('<script>');
      expect(res.text.length).toBeLessThan(2_000);
    }
    expect(await clicksOf(link.id)).toBe(0);
    const person = await visit(link.slug);
    expect(person.status).toBe(302);
    expect(person.headers.location).toBe('https://example.com/og');
    expect(await clicksOf(link.id)).toBe(1);
    // Without OG fields an unfurler is redirected like any crawler.
    const plain = (await create({ url: 'https://example.com/plain' })).json();
    expect((await visit(plain.slug, { 'user-agent': 'Twitterbot/1.0' })).status).toBe(302);
  });

  it("item 22: rotator weights are percentages and the link's own URL takes the rest", async () => {
    const link = (await create({ url: 'https://example.com/own', rules: [{ what: 'rotator', url: 'https://example.com/half', weight: 50 }] })).json();
    const seen = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const res = await visit(link.slug, {}, 'HEAD');
      seen.set(String(res.headers.location), (seen.get(String(res.headers.location)) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['https://example.com/half', 'https://example.com/own']);
    expect(seen.get('https://example.com/half')! / 2000).toBeGreaterThan(0.46);
    expect(seen.get('https://example.com/half')! / 2000).toBeLessThan(0.54);
    // The boundaries: the first 50 % of the draw goes to the rule, the rest to the link's URL.
    forced = 0.49;
    expect((await visit(link.slug, {}, 'HEAD')).headers.location).toBe('https://example.com/half');
    forced = 0.5;
    expect((await visit(link.slug, {}, 'HEAD')).headers.location).toBe('https://example.com/own');
    forced = null;

    const over = await create({ url: 'https://example.com/', rules: [{ what: 'rotator', url: 'https://a.example/', weight: 60 }, { what: 'rotator', url: 'https://b.example/', weight: 50 }] });
    expect(over.status).toBe(400);
    expect(over.json().error.message).toContain('rotator weights are percentages and must add up to at most 100 (they add up to 110)');
    const missing = await create({ url: 'https://example.com/', rules: [{ what: 'rotator', url: 'https://a.example/' }] });
    expect(missing.status).toBe(400);
    expect(missing.json().error.message).toContain('rules[0].weight is required for a rotator rule');
  });

  it('item 25: the INVALID_URL for a private address names LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS', async () => {
    const res = await t.api('POST', '/api/webhooks', { name: 'h', url: 'https://10.1.2.3/hook', events: ['link.clicked'] }, key);
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe('INVALID_URL');
    expect(res.json().error.message).toContain('LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('links API on %s', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('creates a link with a random slug and every field echoed back', async () => {
    const res = await t.api('POST', '/api/links', {
      url: 'https://example.com/landing',
      title: 'Launch',
      tags: ['launch', 'q4'],
      utm_source: 'newsletter',
      geo_block: ['ru'],
      max_clicks: 10,
      rules: [{ what: 'country', matches: ['de'], url: 'https://example.de' }],
      forward_params: true,
    }, key);
    expect(res.status).toBe(201);
    const link = res.json();
    expect(link.id).toMatch(/^lnk_[0-9a-z]{26}$/);
    expect(link.slug).toMatch(/^[A-Za-z0-9]{7}$/);
    expect(link.short_url).toBe(`http://localhost:8080/${link.slug}`);
    expect(link).toMatchObject({
      url: 'https://example.com/landing',
      title: 'Launch',
      tags: ['launch', 'q4'],
      utm_source: 'newsletter',
      geo_block: ['RU'],
      max_clicks: 10,
      rules: [{ what: 'country', matches: ['DE'], url: 'https://example.de/' }],
      forward_params: true,
      block_bots: false,
      clicks: 0,
    });
    const fetched = await t.api('GET', `/api/links/${link.id}`, undefined, key);
    expect(fetched.json()).toEqual(link);
  });

  it('answers 409 CONFLICT for a taken custom slug and 400 for reserved or malformed ones', async () => {
    expect((await t.api('POST', '/api/links', { url: 'https://a.example', slug: 'taken-1' }, key)).status).toBe(201);
    const dup = await t.api('POST', '/api/links', { url: 'https://b.example', slug: 'taken-1' }, key);
    expect(dup.status).toBe(409);
    expect(dup.json().error.code).toBe('CONFLICT');
    const reserved = await t.api('POST', '/api/links', { url: 'https://b.example', slug: 'api' }, key);
    expect(reserved.status).toBe(400);
    const bad = await t.api('POST', '/api/links', { url: 'https://b.example', slug: 'no spaces' }, key);
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('rejects bad input with a clear 4xx and changes nothing', async () => {
    const before = (await t.api('GET', '/api/links?limit=100', undefined, key)).json().data.length;
    const cases: [unknown, number][] = [
      [{ url: 'javascript:alert(1)' }, 400],
      [{ url: 'https://ok.example', unknown_field: 1 }, 400],
      [{ url: 'https://ok.example', max_clicks: '5' }, 400],
      [{ url: 'https://ok.example', expires_at: 'tomorrow' }, 400],
      [{ url: 'https://ok.example', rules: [{ what: 'moon', url: 'https://x.example' }] }, 400],
      [{ url: 'https://ok.example', domain: 'not-mine.example' }, 400],
      [{}, 400],
      [[1, 2], 400],
    ];
    for (const [body, status] of cases) {
      const res = await t.api('POST', '/api/links', body, key);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json().error.message).toBeTruthy();
    }
    const malformed = await fetch(`${t.url}/api/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"url":' });
    expect(malformed.status).toBe(400);
    const huge = await fetch(`${t.url}/api/links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://ok.example', title: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const after = (await t.api('GET', '/api/links?limit=100', undefined, key)).json().data.length;
    expect(after).toBe(before);
  });

  it('updates a link and records the previous values in link.updated', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://before.example', title: 'Old' }, key)).json();
    const res = await t.api('PATCH', `/api/links/${link.id}`, { url: 'https://after.example', title: 'Old' }, key);
    expect(res.status).toBe(200);
    expect(res.json().url).toBe('https://after.example/');
    const events = (await t.api('GET', '/api/events?type=link.updated', undefined, key)).json().data;
    const event = events.find((e: { data: { link: { id: string } } }) => e.data.link.id === link.id);
    expect(event.data.previous).toEqual({ url: 'https://before.example/' });
    expect(event.data.link.url).toBe('https://after.example/');
  });

  it('lists with search, tag and domain filters and cursor pagination', async () => {
    const { key: other } = await t.signup();
    for (let i = 0; i < 7; i++) {
      await t.api('POST', '/api/links', { url: `https://list${i}.example/page`, tags: i % 2 ? ['odd'] : ['even'], title: i === 3 ? 'Needle here' : null }, other);
    }
    const first = (await t.api('GET', '/api/links?limit=3', undefined, other)).json();
    expect(first.data).toHaveLength(3);
    expect(first.next_cursor).toBeTruthy();
    const second = (await t.api('GET', `/api/links?limit=3&cursor=${first.next_cursor}`, undefined, other)).json();
    const third = (await t.api('GET', `/api/links?limit=3&cursor=${second.next_cursor}`, undefined, other)).json();
    const all = [...first.data, ...second.data, ...third.data].map((l: { id: string }) => l.id);
    expect(new Set(all).size).toBe(7);
    expect(third.next_cursor).toBeNull();
    expect((await t.api('GET', '/api/links?tag=odd', undefined, other)).json().data).toHaveLength(3);
    const found = (await t.api('GET', '/api/links?search=NEEDLE', undefined, other)).json().data;
    expect(found.map((l: { title: string }) => l.title)).toEqual(['Needle here']);
    expect((await t.api('GET', '/api/links?search=list5', undefined, other)).json().data).toHaveLength(1);
    expect((await t.api('GET', '/api/links?search=100%25', undefined, other)).json().data).toHaveLength(0);
    expect((await t.api('GET', '/api/links?domain=localhost:8080', undefined, other)).json().data).toHaveLength(7);
    expect((await t.api('GET', '/api/links?cursor=garbage', undefined, other)).status).toBe(400);
  });

  it('bulk-creates all or nothing', async () => {
    const { key: bulkKey } = await t.signup();
    const bad = await t.api('POST', '/api/links/bulk', { links: [{ url: 'https://ok1.example' }, { url: 'not a url' }, { url: 'https://ok2.example' }] }, bulkKey);
    expect(bad.status).toBe(400);
    expect(bad.json().error.details.fields[0].field).toBe('links[1].url');
    await t.api('POST', '/api/links', { url: 'https://x.example', slug: `held-${dialect}` }, bulkKey);
    const taken = await t.api('POST', '/api/links/bulk', { links: [{ url: 'https://ok1.example' }, { url: 'https://ok2.example', slug: `held-${dialect}` }] }, bulkKey);
    expect(taken.status).toBe(409);
    expect((await t.api('GET', '/api/links', undefined, bulkKey)).json().data).toHaveLength(1);
    expect((await t.api('GET', '/api/events?type=link.created', undefined, bulkKey)).json().data).toHaveLength(1);

    const ok = await t.api('POST', '/api/links/bulk', { links: Array.from({ length: 120 }, (_, i) => ({ url: `https://bulk${i}.example` })) }, bulkKey);
    expect(ok.status).toBe(201);
    expect(ok.json().data).toHaveLength(120);
    const ids = ok.json().data.map((l: { id: string }) => l.id);
    const del = await t.api('POST', '/api/links/bulk-delete', { ids: [...ids.slice(0, 10), 'lnk_0000000000aaaaaaaaaaaaaaaa'] }, bulkKey);
    expect(del.status).toBe(404);
    expect((await t.api('POST', '/api/links/bulk-delete', { ids: ids.slice(0, 10) }, bulkKey)).json()).toEqual({ deleted: 10 });
    const deleted = (await t.api('GET', '/api/events?type=link.deleted&limit=100', undefined, bulkKey)).json().data;
    expect(deleted).toHaveLength(10);
  });

  it('never shows workspace A objects to a key of workspace B', async () => {
    const a = await t.signup();
    const b = await t.signup();
    const link = (await t.api('POST', '/api/links', { url: 'https://private.example' }, a.key)).json();
    for (const [method, path, body] of [
      ['GET', `/api/links/${link.id}`, undefined],
      ['PATCH', `/api/links/${link.id}`, { title: 'hijack' }],
      ['DELETE', `/api/links/${link.id}`, undefined],
    ] as const) {
      const res = await t.api(method, path, body, b.key);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await t.api('POST', '/api/links/bulk-delete', { ids: [link.id] }, b.key)).status).toBe(404);
    expect((await t.api('GET', '/api/links', undefined, b.key)).json().data).toHaveLength(0);
    expect((await t.api('GET', '/api/events', undefined, b.key)).json().data).toHaveLength(0);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, a.key)).json().title).toBeNull();
  });

  it('requires authentication', async () => {
    expect((await t.api('GET', '/api/links', undefined, 'lw_live_wrong')).status).toBe(401);
    const res = await fetch(`${t.url}/api/links`);
    expect(res.status).toBe(401);
  });
});

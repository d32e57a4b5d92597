import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver, type ReceiverResponse } from '../helpers/https-receiver.js';
import { createLink } from '../helpers/links.js';
import { openSse } from '../helpers/sse.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/**
 * SPEC §4 `actor` / `created_by` and §5b `enabled` / `cloaking` / `public_analytics`: the fields
 * receivers written for other shorteners read, as a user of the API and the short URLs sees them.
 */
describe.each(DIALECTS)('link fields and event actors on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  /** A destination page on 127.0.0.1: answers with whatever framing headers its path asks for. */
  let destination: Receiver;
  let user: Awaited<ReturnType<TestApp['signup']>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    destination = await startReceiver({
      respond: (req): ReceiverResponse => {
        if (req.path.startsWith('/deny')) return { status: 200, headers: { 'x-frame-options': 'DENY' }, body: 'no frames' };
        if (req.path.startsWith('/sameorigin')) return { status: 200, headers: { 'x-frame-options': 'sameorigin' }, body: 'no frames' };
        if (req.path.startsWith('/csp-none')) return { status: 200, headers: { 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" }, body: 'no frames' };
        if (req.path.startsWith('/csp-us')) return { status: 200, headers: { 'content-security-policy': 'frame-ancestors http://localhost:8080' }, body: 'frames from the short domain' };
        if (req.path.startsWith('/hop')) return { status: 302, headers: { location: '/deny' } };
        return { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>framable</p>' };
      },
    });
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    user = await t.signup();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await destination?.close();
  });

  const visit = (slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': BROWSER } });
  const events = async (type: string) => (await t.api('GET', `/api/events?type=${type}&limit=100`, undefined, user.key)).json().data as any[];

  async function session(): Promise<(method: string, path: string, body?: unknown) => ReturnType<typeof http>> {
    const res = await http(t.url, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } });
    expect(res.status, res.text).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    return (method, path, body) => http(t.url, method, path, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(body === undefined ? {} : { body }) });
  }

  it('names the actor of every event: the API key, the logged-in user, or the system for a visit — in the log, the stream and deliveries', async () => {
    const hook = await t.api('POST', '/api/webhooks', { name: 'actors', url: receiver.url, events: ['link.created', 'link.updated', 'link.clicked'] }, user.key);
    expect(hook.status, hook.text).toBe(201);
    const stream = await openSse(`${t.url}/api/events/stream`, { authorization: `Bearer ${user.key}` });
    try {
      const keys = (await t.api('GET', '/api/workspace/api-keys', undefined, user.key)).json().data as { id: string }[];
      const byKey = await createLink(t, user.key, { url: 'https://example.com/by-key', slug: `by-key-${dialect}` });
      expect(byKey.created_by).toBe(user.userId);

      const asUser = await session();
      const renamed = await asUser('PATCH', `/api/links/${byKey.id}`, { title: 'Renamed in the dashboard' });
      expect(renamed.status, renamed.text).toBe(200);
      const byUser = await asUser('POST', '/api/links', { url: 'https://example.com/by-user' });
      expect(byUser.status, byUser.text).toBe(201);
      expect(byUser.json().created_by).toBe(user.userId);

      expect((await visit(byKey.slug)).status).toBe(302);

      const keyActor = { type: 'api_key', id: expect.stringMatching(/^key_/), email: user.email };
      expect(keys.map((k) => k.id)).toContain((await events('link.created')).find((e) => e.data.link.id === byKey.id)!.actor.id);
      const userActor = { type: 'user', id: user.userId, email: user.email };
      const systemActor = { type: 'system', id: null };
      const expected = [
        { type: 'link.created', link: byKey.id, actor: keyActor },
        { type: 'link.updated', link: byKey.id, actor: userActor },
        { type: 'link.created', link: byUser.json().id, actor: userActor },
        { type: 'link.clicked', link: byKey.id, actor: systemActor },
      ];
      const logged = await until('the click event in the log', async () => {
        const all = [...(await events('link.created')), ...(await events('link.updated')), ...(await events('link.clicked'))];
        return all.length >= 4 ? all : null;
      });
      const shape = (e: any) => ({ type: e.type, link: e.data.link.id, actor: e.actor });
      expect(logged.map(shape)).toEqual(expect.arrayContaining(expected.map((e) => expect.objectContaining(e))));

      const delivered = await until('four deliveries', () => (receiver.requests.length >= 4 ? receiver.requests : null), 20_000);
      expect(delivered.map((r) => shape(JSON.parse(r.rawBody)))).toEqual(expect.arrayContaining(expected.map((e) => expect.objectContaining(e))));
      // The actor sits at the envelope's top level, beside `type`, not inside `data`.
      expect(Object.keys(JSON.parse(delivered[0]!.rawBody))).toEqual(['id', 'type', 'timestamp', 'workspace_id', 'actor', 'data']);

      const streamed = await until('four streamed link events', () => {
        const links = stream.messages.filter((m) => m.event?.startsWith('link.'));
        return links.length >= 4 ? links : null;
      });
      expect(streamed.map((m) => shape(JSON.parse(m.data)))).toEqual(expect.arrayContaining(expected.map((e) => expect.objectContaining(e))));
    } finally {
      stream.drop();
    }
  });

  it('enabled: false answers 404 and records nothing; turning it back on redirects again at once', async () => {
    const link = await createLink(t, user.key, { url: 'https://example.com/switch', slug: `switch-${dialect}` });
    expect(link).toMatchObject({ enabled: true, cloaking: false, public_analytics: false });
    expect((await visit(link.slug)).status).toBe(302); // warms the redirect cache

    const off = await t.api('PATCH', `/api/links/${link.id}`, { enabled: false }, user.key);
    expect(off.json()).toMatchObject({ enabled: false });
    const answer = await visit(link.slug);
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('Link not found');
    await visit(link.slug);
    const clicked = async () => (await events('link.clicked')).filter((e) => e.data.link.id === link.id).length;
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, user.key)).json().clicks).toBe(1);
    expect(await clicked()).toBe(1);

    expect((await t.api('PATCH', `/api/links/${link.id}`, { enabled: true }, user.key)).json()).toMatchObject({ enabled: true });
    expect((await visit(link.slug)).status).toBe(302);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, user.key)).json().clicks).toBe(2);
  });

  it('public_analytics is stored and answered, default false, through create, PATCH and bulk', async () => {
    const created = await createLink(t, user.key, { url: 'https://example.com/stats', public_analytics: true });
    expect(created.public_analytics).toBe(true);
    expect((await t.api('PATCH', `/api/links/${created.id}`, { public_analytics: false }, user.key)).json().public_analytics).toBe(false);
    const bulk = await t.api('POST', '/api/links/bulk', { links: [{ url: 'https://example.com/b1', public_analytics: true, enabled: false }, { url: 'https://example.com/b2' }] }, user.key);
    expect(bulk.status, bulk.text).toBe(201);
    expect(bulk.json().data.map((l: any) => [l.public_analytics, l.enabled, l.created_by])).toEqual([
      [true, false, user.userId],
      [false, true, user.userId],
    ]);
    const bad = await t.api('PATCH', `/api/links/${created.id}`, { enabled: 'yes' }, user.key);
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('cloaking serves the destination in a full-page frame, escaped, and still counts the click', async () => {
    const target = destination.urlFor('127.0.0.1', '/page?a=1&b="><script>alert(1)</script>');
    const link = await createLink(t, user.key, { url: target, cloaking: true, title: '</title><script>x()</script>' });
    expect(link.cloaking).toBe(true);
    const page = await visit(link.slug);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).not.toContain('<script>');
    const src = /<iframe src="([^"]*)"/.exec(page.text)?.[1];
    expect(src?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))).toBe(link.url);
    expect(page.text).toContain('<title>&#60;/title&#62;&#60;script&#62;x()&#60;/script&#62;</title>');
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, user.key)).json().clicks).toBe(1);

    // Turned off, the same short URL redirects again (the cache hears the change).
    await t.api('PATCH', `/api/links/${link.id}`, { cloaking: false }, user.key);
    const plain = await visit(link.slug);
    expect(plain.status).toBe(302);
    expect(plain.headers.location).toBe(link.url);
  });

  it('cloaking is refused with a 400 in words when a destination forbids framing, and nothing changes', async () => {
    for (const [path, reason] of [
      ['/deny', /X-Frame-Options: DENY/],
      ['/sameorigin', /X-Frame-Options: SAMEORIGIN/],
      ['/csp-none', /frame-ancestors 'none'/],
      ['/hop', /X-Frame-Options: DENY.*where it redirects/],
    ] as const) {
      const res = await t.api('POST', '/api/links', { url: destination.urlFor('127.0.0.1', path), cloaking: true }, user.key);
      expect(res.status, path).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
      expect(res.json().error.message).toMatch(/cloaking cannot be on: url .* cannot be shown in a frame, because/);
      expect(res.json().error.message).toMatch(reason);
    }
    // A policy naming the short domain allows it.
    expect((await t.api('POST', '/api/links', { url: destination.urlFor('127.0.0.1', '/csp-us'), cloaking: true }, user.key)).status).toBe(201);

    const link = await createLink(t, user.key, { url: destination.urlFor('127.0.0.1', '/deny'), slug: `deny-${dialect}` });
    const turnOn = await t.api('PATCH', `/api/links/${link.id}`, { cloaking: true, title: 'x' }, user.key);
    expect(turnOn.status).toBe(400);
    expect(turnOn.json().error.message).toMatch(/X-Frame-Options: DENY/);
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, user.key)).json()).toMatchObject({ cloaking: false, title: null });

    // A cloaked link may not move to a destination that forbids it either; a rule's destination counts too.
    const cloaked = await createLink(t, user.key, { url: destination.urlFor('127.0.0.1', '/ok'), cloaking: true });
    const moved = await t.api('PATCH', `/api/links/${cloaked.id}`, { rules: [{ what: 'country', matches: ['DE'], url: destination.urlFor('127.0.0.1', '/deny') }] }, user.key);
    expect(moved.status).toBe(400);
    expect(moved.json().error.message).toMatch(/rules\[0\]\.url .*deny/);

    // A destination the SSRF rules refuse is never fetched: cloaking cannot vouch for it.
    const metadata = await t.api('POST', '/api/links', { url: 'http://169.254.169.254/latest/meta-data/', cloaking: true }, user.key);
    expect(metadata.status).toBe(400);
    expect(metadata.json().error.message).toMatch(/could not be reached/);
  });
});

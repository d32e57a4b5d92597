import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { http } from '../helpers/http.js';
import { createLink } from '../helpers/links.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SUMMARY_KEYS = ['id', 'domain', 'slug', 'url', 'short_url', 'title', 'tags'];

/** Payload versions (SPEC §5c) end to end: pinned webhooks, real HTTPS receivers, the version header, the API around it. */
describe.each(DIALECTS)('payload versions on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const bodiesAt = (path: string) => receiver.requests.filter((r) => r.path === path);
  const click = (slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA } });
  const webhookCount = async () => (await t.api('GET', '/api/webhooks', undefined, key)).json().data.length;

  it('pins each webhook to its version: 2026-12-01 gets the whole link, 2027-01-01 the summary, each as the link was at that click', async () => {
    const old = await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/v2026'), events: ['link.clicked'], payload_version: '2026-12-01' }, key);
    expect(old.status, old.text).toBe(201);
    expect(old.json().payload_version).toBe('2026-12-01');
    const fresh = await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/v2027'), events: ['link.clicked'] }, key);
    expect(fresh.json().payload_version).toBe('2027-01-01');

    const link = await createLink(t, key, { url: 'https://example.com/versions', title: 'Before', tags: ['a'] });
    expect((await click(link.slug)).status).toBe(302);
    await until('first clicks delivered', async () => bodiesAt('/v2026').length >= 1 && bodiesAt('/v2027').length >= 1);
    expect((await t.api('PATCH', `/api/links/${link.id}`, { title: 'After', tags: ['b', 'c'] }, key)).status).toBe(200);
    expect((await click(link.slug)).status).toBe(302);
    await until('second clicks delivered', async () => bodiesAt('/v2026').length >= 2 && bodiesAt('/v2027').length >= 2);

    const v2026 = bodiesAt('/v2026').map((r) => ({ headers: r.headers, body: JSON.parse(r.rawBody) }));
    const v2027 = bodiesAt('/v2027').map((r) => ({ headers: r.headers, body: JSON.parse(r.rawBody) }));
    expect(v2026.map((r) => r.headers['webhook-version'])).toEqual(['2026-12-01', '2026-12-01']);
    expect(v2027.map((r) => r.headers['webhook-version'])).toEqual(['2027-01-01', '2027-01-01']);
    // The whole link, with its count at the click and its title then.
    expect(v2026.map((r) => [r.body.data.link.title, r.body.data.link.clicks, r.body.data.link.tags])).toEqual([
      ['Before', 1, ['a']],
      ['After', 2, ['b', 'c']],
    ]);
    expect(v2026[0]!.body.data.link).toHaveProperty('utm_source');
    // The same events, summarised.
    expect(v2027.map((r) => r.body.id)).toEqual(v2026.map((r) => r.body.id));
    for (const r of v2027) expect(Object.keys(r.body.data.link)).toEqual(SUMMARY_KEYS);
    expect(v2027.map((r) => r.body.data.link)).toEqual([
      { id: link.id, domain: link.domain, slug: link.slug, url: link.url, short_url: link.short_url, title: 'Before', tags: ['a'] },
      { id: link.id, domain: link.domain, slug: link.slug, url: link.url, short_url: link.short_url, title: 'After', tags: ['b', 'c'] },
    ]);
    expect(v2027[0]!.body.data.click).toEqual(v2026[0]!.body.data.click);
    // Each validates against its version's published schemas, and is signed over the bytes sent.
    const [schemas2026, schemas2027] = [await eventValidator(t.url, key, '2026-12-01'), await eventValidator(t.url, key, '2027-01-01')];
    for (const r of v2026) expect(schemas2026.check(r.body)).toEqual([]);
    for (const r of v2027) expect(schemas2027.check(r.body)).toEqual([]);
    expect(schemas2027.check(v2026[0]!.body).length).toBeGreaterThan(0);
    const secret = fresh.json().secret as string;
    for (const r of bodiesAt('/v2027')) expect(() => new Webhook(secret).verify(r.rawBody, r.headers)).not.toThrow();

    // Upgrading by PATCH: the next click arrives in the new shape.
    const patched = await t.api('PATCH', `/api/webhooks/${old.json().id}`, { payload_version: '2027-01-01' }, key);
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json().payload_version).toBe('2027-01-01');
    expect((await click(link.slug)).status).toBe(302);
    const third = await until('third click delivered', async () => bodiesAt('/v2026')[2]);
    expect(third.headers['webhook-version']).toBe('2027-01-01');
    expect(Object.keys(JSON.parse(third.rawBody).data.link)).toEqual(SUMMARY_KEYS);
  });

  it('refuses an unknown version with a 400 in words, and changes nothing', async () => {
    const before = await webhookCount();
    const res = await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/bad'), events: ['link.clicked'], payload_version: '2025-01-01' }, key);
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_ERROR');
    expect(res.json().error.message).toContain('"2025-01-01" is not a payload version: use one of 2026-12-01, 2027-01-01');
    expect(await webhookCount()).toBe(before);

    const hook = (await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/keep'), events: ['link.clicked'], payload_version: '2026-12-01' }, key)).json();
    const patch = await t.api('PATCH', `/api/webhooks/${hook.id}`, { payload_version: 'latest', name: 'renamed' }, key);
    expect(patch.status).toBe(400);
    const after = (await t.api('GET', `/api/webhooks/${hook.id}`, undefined, key)).json();
    expect([after.payload_version, after.name]).toEqual(['2026-12-01', hook.name]);

    for (const path of ['/api/event-types?version=2026-13-01', '/api/webhook-formats?version=x']) {
      const bad = await t.api('GET', path, undefined, key);
      expect(bad.status, path).toBe(400);
      expect(bad.json().error.message).toContain('is not a payload version');
    }
    const test = await t.api('POST', `/api/webhooks/${hook.id}/test`, { payload_version: 'next' }, key);
    expect(test.status).toBe(400);
  });

  it('publishes each version’s schemas: the summary in every click-carrying event from 2027-01-01 on', async () => {
    const plain = (await t.api('GET', '/api/event-types', undefined, key)).json();
    expect(plain.version).toBe('2026-12-01');
    expect(plain.versions).toEqual(['2026-12-01', '2027-01-01']);
    const v2027 = (await t.api('GET', '/api/event-types?version=2027-01-01', undefined, key)).json();
    const linkKeys = (version: { data: { type: string; schema: { properties: Record<string, { properties?: object }> } }[] }, type: string) =>
      Object.keys(version.data.find((d) => d.type === type)!.schema.properties.link?.properties ?? {});
    for (const type of ['link.clicked', 'qr.scanned', 'link.geo_blocked', 'lead.created', 'sale.created']) {
      expect(linkKeys(v2027, type), type).toEqual(SUMMARY_KEYS);
      expect(linkKeys(plain, type), type).toContain('utm_source');
    }
    // Events without a click keep the whole link.
    expect(linkKeys(v2027, 'link.created')).toContain('utm_source');
  });

  it('sends a test in another version without switching, and previews samples per version', async () => {
    const hook = (await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/trial'), events: ['link.clicked'], payload_version: '2026-12-01' }, key)).json();
    const res = await t.api('POST', `/api/webhooks/${hook.id}/test`, { payload_version: '2027-01-01' }, key);
    expect(res.status, res.text).toBe(200);
    expect(res.json().success).toBe(true);
    const sent = await until('test delivered', async () => bodiesAt('/trial')[0]);
    expect(sent.headers['webhook-version']).toBe('2027-01-01');
    expect(Object.keys(JSON.parse(sent.rawBody).data.link)).toEqual(SUMMARY_KEYS);
    expect((await t.api('GET', `/api/webhooks/${hook.id}`, undefined, key)).json().payload_version).toBe('2026-12-01');

    const sampleOf = async (version: string) =>
      JSON.parse((await t.api('GET', `/api/webhook-formats?type=link.clicked&version=${version}`, undefined, key)).json().data.find((f: { format: string }) => f.format === 'standard').sample.body);
    expect(Object.keys((await sampleOf('2027-01-01')).data.link)).toEqual(SUMMARY_KEYS);
    expect((await sampleOf('2026-12-01')).data.link).toHaveProperty('clicks');
  });
});

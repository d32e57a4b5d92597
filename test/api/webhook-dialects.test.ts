import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { createLink } from '../helpers/links.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/*
 * Other services' API calls against Linkwire (SPEC §5, §5b): their event names stored as ours with
 * the format inferred, `name` optional, a caller's own `secret`, `X-API-Key`, and custom header
 * values that are write-only.
 */

describe.each(DIALECTS)('webhooks API speaking other services’ dialects on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    key = (await t.signup()).key;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  const create = (body: Record<string, unknown>) => t.api('POST', '/api/webhooks', { url: receiver.url, ...body }, key);
  const remove = (id: string) => t.api('DELETE', `/api/webhooks/${id}`, undefined, key);

  it('accepts each service’s event names, stores Linkwire’s, and infers the format (the answer shows it)', async () => {
    const cases: [string[], string[], string][] = [
      [['link.click', 'link.created'], ['link.clicked', 'link.created'], 'awsys'],
      [['url.clicked', 'url.created', 'url.updated', 'url.deleted'], ['link.clicked', 'link.created', 'link.updated', 'link.deleted'], 'snip'],
      [['link.clicked', 'team.member_added', 'team.member_removed', 'api.key_created'], ['link.clicked', 'member.added', 'member.removed', 'api_key.created'], 'linkzly'],
      [['link.created', 'domain.verified'], ['link.created', 'domain.verified'], 'standard'],
      [['link.click', 'link.clicked'], ['link.clicked'], 'awsys'],
    ];
    for (const [events, stored, format] of cases) {
      const res = await create({ events });
      expect(res.status, res.text).toBe(201);
      expect(res.json()).toMatchObject({ events: stored, format });
      expect((await t.api('GET', `/api/webhooks/${res.json().id}`, undefined, key)).json()).toMatchObject({ events: stored, format });
      await remove(res.json().id);
    }
    // An explicit format wins; the names are still stored as ours.
    const explicit = await create({ events: ['url.clicked'], format: 'standard' });
    expect(explicit.json()).toMatchObject({ events: ['link.clicked'], format: 'standard' });
    // On update too.
    const patched = await t.api('PATCH', `/api/webhooks/${explicit.json().id}`, { events: ['link.click'] }, key);
    expect(patched.json()).toMatchObject({ events: ['link.clicked'], format: 'awsys' });
    await remove(explicit.json().id);
  });

  it('refuses two services’ names in one webhook, and short names, with 400 INVALID_EVENTS that says so; nothing is created', async () => {
    const before = (await t.api('GET', '/api/webhooks', undefined, key)).json().data.length;
    const mixed = await create({ events: ['link.click', 'url.clicked'] });
    expect(mixed.status).toBe(400);
    expect(mixed.json().error.code).toBe('INVALID_EVENTS');
    expect(mixed.json().error.message).toContain('AWSYS.CO');
    expect(mixed.json().error.message).toContain('snip.sa');
    expect(mixed.json().error.details).toMatchObject({ invalid: ['link.click', 'url.clicked'], services: ['awsys', 'snip'] });
    const short = await create({ events: ['click'] });
    expect(short.status).toBe(400);
    expect(short.json().error).toMatchObject({ code: 'INVALID_EVENTS', details: { invalid: ['click'] } });
    expect((await t.api('GET', '/api/webhooks', undefined, key)).json().data.length).toBe(before);
  });

  it('names a webhook after its URL’s host when no name is given', async () => {
    const res = await create({ events: ['link.created'] });
    expect(res.status, res.text).toBe(201);
    expect(res.json().name).toBe('127.0.0.1');
    await remove(res.json().id);
  });

  it('takes the caller’s own secret (16–256 printable ASCII) and signs with it; refuses a bad one with a 400 that says why', async () => {
    const mine = 'a caller secret 0123456789';
    const res = await create({ events: ['link.created'], secret: mine });
    expect(res.status, res.text).toBe(201);
    expect(res.json().secret).toBe(mine);
    await remove(res.json().id);
    const whsec = `whsec_${Buffer.alloc(48, 1).toString('base64')}`;
    expect((await create({ events: ['link.created'], secret: whsec })).json().secret).toBe(whsec);
    for (const secret of ['too short', 'x'.repeat(257), 'tab\tinside-0123456789', 'ünïcode-0123456789', 'whsec_not base64 at all!!', `whsec_${Buffer.alloc(8).toString('base64')}`]) {
      const bad = await create({ events: ['link.created'], secret });
      expect(bad.status, secret).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_ERROR');
      expect(bad.json().error.message).toMatch(/secret/);
    }
    // Rotation still hands out a fresh whsec_ secret; a PATCH cannot set one.
    expect((await t.api('PATCH', `/api/webhooks/${(await t.api('GET', '/api/webhooks', undefined, key)).json().data[0].id}`, { secret: mine }, key)).status).toBe(400);
  });

  it('accepts X-API-Key wherever Authorization: Bearer is, and refuses a wrong one with 401', async () => {
    const viaHeader = await http(t.url, 'GET', '/api/webhooks', { headers: { 'x-api-key': key } });
    expect(viaHeader.status).toBe(200);
    const post = await http(t.url, 'POST', '/api/links', { headers: { 'x-api-key': key }, body: { url: 'https://example.com/x-api-key' } });
    expect(post.status).toBe(201);
    const wrong = await http(t.url, 'GET', '/api/webhooks', { headers: { 'x-api-key': 'lw_nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.code).toBe('UNAUTHORIZED');
    expect((await http(t.url, 'GET', '/api/webhooks', { headers: { 'x-api-key': '' } })).status).toBe(401);
  });

  it('never shows custom header values again: masked on read and in delivery logs, kept when sent back masked', async () => {
    const token = 'Bearer sk_live_0123456789abcdef1a2b';
    const res = await create({ url: receiver.urlFor('127.0.0.1', '/masked'), events: ['link.created'], headers: { Authorization: token, 'X-Short': 'abc' } });
    expect(res.status, res.text).toBe(201);
    const hook = res.json();
    expect(hook.headers).toEqual({ Authorization: '••••1a2b', 'X-Short': '••••' });
    const read = await t.api('GET', `/api/webhooks/${hook.id}`, undefined, key);
    expect(read.json().headers).toEqual({ Authorization: '••••1a2b', 'X-Short': '••••' });
    const list = await t.api('GET', '/api/webhooks', undefined, key);
    expect(list.text).not.toContain('sk_live');

    // Sending back what was read keeps the values; a new value replaces one.
    const patched = await t.api('PATCH', `/api/webhooks/${hook.id}`, { headers: { ...read.json().headers, 'X-Short': 'xyz' } }, key);
    expect(patched.status, patched.text).toBe(200);
    const badMask = await t.api('PATCH', `/api/webhooks/${hook.id}`, { headers: { 'X-Other': '••••zzzz' } }, key);
    expect(badMask.status).toBe(400);

    const link = await createLink(t, key, { url: 'https://example.com/masked' });
    const delivered = await until('the delivery to /masked', () => receiver.requests.find((r) => r.path === '/masked'));
    expect(delivered.headers['authorization']).toBe(token);
    expect(delivered.headers['x-short']).toBe('xyz');
    expect(JSON.parse(delivered.rawBody).data.link.id).toBe(link.id);
    const deliveries = await until('the delivery is logged', async () => {
      const d = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=succeeded`, undefined, key)).json().data;
      return d.length > 0 ? d : undefined;
    });
    const detail = await t.api('GET', `/api/deliveries/${deliveries[0].id}`, undefined, key);
    expect(detail.json().request.headers).toMatchObject({ Authorization: '••••1a2b', 'X-Short': '••••', 'x-linkwire-event': 'link.created' });
    expect(detail.text).not.toContain('sk_live');
    const stored = await t.storage.db.selectFrom('delivery_attempts').select('request_headers').where('delivery_id', '=', deliveries[0].id).execute();
    expect(stored.map((r) => r.request_headers).join('')).not.toContain('sk_live');
    await remove(hook.id);
  });
});

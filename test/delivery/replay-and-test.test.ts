import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { sleep, until } from '../helpers/wait.js';

describe.each(DIALECTS)('replays and test sends do what a user expects on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let key: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  const requestsFor = (path: string) => receiver.requests.filter((r) => r.path === path);
  const createWebhook = async (path: string, events: string[]) => {
    const res = await t.api('POST', '/api/webhooks', { name: path, url: receiver.urlFor('127.0.0.1', path), events }, key);
    expect(res.status, res.text).toBe(201);
    return res.json();
  };

  it('POST /test without a type sends the first type the webhook subscribes to, and says which', async () => {
    const hook = await createWebhook('/subscribed', ['domain.verified', 'link.created']);
    const res = await t.api('POST', `/api/webhooks/${hook.id}/test`, undefined, key);
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toMatchObject({ success: true, type: 'domain.verified' });
    expect(JSON.parse(requestsFor('/subscribed').at(-1)!.rawBody).type).toBe('domain.verified');
    // `*` subscribes to everything: the sample is a click, the most common event.
    const all = await createWebhook('/all', ['*']);
    expect((await t.api('POST', `/api/webhooks/${all.id}/test`, {}, key)).json().type).toBe('link.clicked');
  });

  it('replay-since re-sends what the endpoint missed, never the old test samples', async () => {
    const hook = await createWebhook('/since', ['link.created']);
    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await t.api('POST', `/api/webhooks/${hook.id}/test`, undefined, key)).json().success).toBe(true);
    await t.api('POST', '/api/links', { url: 'https://example.com/since' }, key);
    await until('both logged as succeeded', async () => (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=succeeded`, undefined, key)).json().data.length === 2);
    const before = requestsFor('/since').length;

    const replay = await t.api('POST', `/api/webhooks/${hook.id}/replay`, { since, status: 'all' }, key);
    expect(replay.status, replay.text).toBe(202);
    expect(replay.json().replayed).toBe(1);
    await until('replayed', () => requestsFor('/since').length === before + 1);
    await sleep(300);
    const resent = requestsFor('/since').slice(before);
    expect(resent.map((r) => JSON.parse(r.rawBody).type)).toEqual(['link.created']);
  });

  it('replaying to a paused webhook is refused with 409 saying how to turn it back on, and changes nothing', async () => {
    const hook = await createWebhook('/paused', ['link.created']);
    await t.api('POST', '/api/links', { url: 'https://example.com/paused' }, key);
    const [delivery] = await until('delivered', async () => {
      const list = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=succeeded`, undefined, key)).json().data;
      return list.length ? list : null;
    });
    expect((await t.api('PATCH', `/api/webhooks/${hook.id}`, { active: false }, key)).status).toBe(200);

    const one = await t.api('POST', `/api/deliveries/${delivery.id}/replay`, undefined, key);
    expect(one.status).toBe(409);
    expect(one.json().error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/paused.*"active": true/) });
    const since = await t.api('POST', `/api/webhooks/${hook.id}/replay`, { since: new Date(Date.now() - 60_000).toISOString(), status: 'all' }, key);
    expect(since.status).toBe(409);
    const after = (await t.api('GET', `/api/deliveries/${delivery.id}`, undefined, key)).json();
    expect(after.status).toBe('succeeded'); // not left pending for an endpoint that will never be called

    // Back on: the same replay works.
    await t.api('PATCH', `/api/webhooks/${hook.id}`, { active: true }, key);
    expect((await t.api('POST', `/api/deliveries/${delivery.id}/replay`, undefined, key)).status).toBe(202);
    await until('replayed after resuming', () => requestsFor('/paused').length === 2);
  });
});

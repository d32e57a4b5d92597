import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/**
 * Traffic alerts (issue 23 item 8): `analytics.threshold` fires when a link's people-clicks within
 * a sliding window reach the alert's number, at most once per window, bots not counted; delivered
 * like any event (here as Slack messages, Linkzly's "1 000+ clicks in an hour" alert).
 */
describe.each(DIALECTS)('traffic alerts on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let owner: Awaited<ReturnType<TestApp['signup']>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { clock: 'manual', config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    owner = await t.signup();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const clock = () => t.clock as ManualClock;
  const visits = async (slug: string, n: number, ua = BROWSER) => {
    const answers = await Promise.all(Array.from({ length: n }, () => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': ua } })));
    expect(answers.every((a) => a.status === 302)).toBe(true);
  };
  const thresholds = async (linkId: string) =>
    ((await t.api('GET', '/api/events?type=analytics.threshold&limit=100', undefined, owner.key)).json().data as any[]).filter((e) => e.data.link.id === linkId).reverse();

  it('fires once per window when the sliding count reaches the number, and again in a later window', async () => {
    const hook = await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/slack'), events: ['analytics.threshold'], format: 'slack' }, owner.key);
    expect(hook.status).toBe(201);
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/launch', alerts: [{ clicks: 5, window_s: 60 }] }, owner.key)).json();

    await visits(link.slug, 4);
    expect(await thresholds(link.id)).toEqual([]);
    await visits(link.slug, 1);
    let fired = await thresholds(link.id);
    expect(fired).toHaveLength(1);
    expect(fired[0].data).toMatchObject({ link: { id: link.id, clicks: 5 }, threshold: { clicks: 5, window_s: 60 }, count: 5 });
    expect(fired[0].actor).toEqual({ type: 'system', id: null });

    // More clicks in the same window: nothing more.
    await visits(link.slug, 10);
    clock().advance(30_000);
    await visits(link.slug, 5);
    expect(await thresholds(link.id)).toHaveLength(1);

    // A window after the first firing the window still holds the 5 clicks of 30 s ago (sliding,
    // not fixed buckets): one more click reaches 5 again.
    clock().advance(31_000);
    await visits(link.slug, 1);
    fired = await thresholds(link.id);
    expect(fired).toHaveLength(2);
    expect(fired[1].data.count).toBe(6);

    // Quiet for long enough that the window empties: 4 clicks do not reach it.
    clock().advance(120_000);
    await visits(link.slug, 4);
    expect(await thresholds(link.id)).toHaveLength(2);

    // Delivered as Slack messages.
    const messages = await receiver.waitForRequests(2, 10_000);
    const texts = messages.filter((m) => m.path === '/slack').map((m) => JSON.parse(m.rawBody).text as string);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain(`${link.short_url}: 5 clicks within 1 minute`);
  });

  it('does not count bots, and keeps each alert of a link apart', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/bots', alerts: [{ clicks: 3, window_s: 60 }, { clicks: 6, window_s: 3600 }] }, owner.key)).json();
    await visits(link.slug, 10, 'curl/8.5.0');
    expect((await t.api('GET', `/api/links/${link.id}`, undefined, owner.key)).json().bot_clicks).toBe(10);
    expect(await thresholds(link.id)).toEqual([]);
    await visits(link.slug, 3);
    let fired = await thresholds(link.id);
    expect(fired.map((e) => e.data.threshold)).toEqual([{ clicks: 3, window_s: 60 }]);
    clock().advance(61_000);
    await visits(link.slug, 3);
    fired = await thresholds(link.id);
    expect(fired.map((e) => [e.data.threshold.clicks, e.data.count])).toEqual([
      [3, 3],
      [3, 3],
      [6, 6],
    ]);
  });
});

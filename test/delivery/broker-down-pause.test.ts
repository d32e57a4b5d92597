import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDestinationPrefixes } from '../../src/outbound/destinations.js';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { sleep, until } from '../helpers/wait.js';
import { freeLoopbackPort } from '../helpers/ports.js';

const EVENTS = 20;

/**
 * A broker whose connection is down fails every attempt at once; without a pause the worker would
 * send each due delivery straight into it, thousands a second with a few such destinations (bench
 * scenario 4). Like an endpoint that times out, it is paused: an attempt now and then, seconds apart.
 */
describe.each(DIALECTS)('a broker destination that refuses connections on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let port: number;

  beforeAll(async () => {
    port = await freeLoopbackPort();
    t = await startTestApp(dialect, { config: { destinations: parseDestinationPrefixes(`redis://127.0.0.1:${port}`) } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gets a few attempts seconds apart, not one for every delivery due', async () => {
    const hook = await t.api('POST', '/api/webhooks', { url: `redis://127.0.0.1:${port}/0?stream=lw-down`, events: ['link.created'], retry: { mode: 'exponential', schedule_s: [300] } }, key);
    expect(hook.status, hook.text).toBe(201);
    const links = Array.from({ length: EVENTS }, (_, i) => ({ url: `https://example.com/down/${i}` }));
    expect((await t.api('POST', '/api/links/bulk', { links }, key)).status).toBe(201);
    const attempts = async () => {
      const list = (await t.api('GET', `/api/webhooks/${hook.json().id}/deliveries?limit=100`, undefined, key)).json().data as { attempts_count: number }[];
      return { deliveries: list.length, attempts: list.reduce((sum, d) => sum + d.attempts_count, 0) };
    };
    await until('the first attempts', async () => ((await attempts()).attempts >= 1 ? true : null), 10_000);
    await sleep(5_000);
    const { deliveries, attempts: made } = await attempts();
    expect(deliveries).toBe(EVENTS);
    // The endpoint's starting concurrency, then one after each pause (1–2 s, then 2–4 s, …).
    expect(made).toBeGreaterThanOrEqual(1);
    expect(made).toBeLessThanOrEqual(6);
  }, 30_000);
});

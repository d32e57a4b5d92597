import { afterEach, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { freePort } from '../helpers/server-process.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

let app: TestApp | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  await app?.close();
  await receiver?.close();
  app = null;
  receiver = null;
});

/** `name{labels} value` lines of a Prometheus text scrape, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe.each(DIALECTS)('GET /metrics on %s', (dialect) => {
  it('requires LINKWIRE_METRICS_TOKEN as a bearer token when set', async () => {
    app = await startTestApp(dialect, { config: { metricsToken: 's3cret-token' } });
    expect((await http(app.url, 'GET', '/metrics')).status).toBe(401);
    const wrong = await http(app.url, 'GET', '/metrics', { token: 's3cret-tokex' });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.code).toBe('UNAUTHORIZED');
    const ok = await http(app.url, 'GET', '/metrics', { token: 's3cret-token' });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toContain('text/plain');
    expect(ok.text).toContain('process_cpu_user_seconds_total');
  });

  it('counters move with real traffic: redirects, clicks, events, a delivered and a refused webhook', async () => {
    receiver = await startReceiver();
    app = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    const me = await app.signup();
    const before = samples((await http(app.url, 'GET', '/metrics')).text);
    expect(before.get('linkwire_clicks_recorded_total')).toBe(0);

    const closedPort = await freePort();
    const good = await app.api('POST', '/api/webhooks', { name: 'good', url: receiver.url, events: ['link.clicked'] }, me.key);
    expect(good.status, good.text).toBe(201);
    const bad = await app.api('POST', '/api/webhooks', { name: 'refused', url: `https://127.0.0.1:${closedPort}/hook`, events: ['link.clicked'], retry: { mode: 'none' } }, me.key);
    expect(bad.status, bad.text).toBe(201);
    const link = await app.api('POST', '/api/links', { url: 'https://example.com/m', slug: 'metered' }, me.key);
    expect(link.status).toBe(201);

    for (let i = 0; i < 3; i++) expect((await http(app.url, 'GET', '/metered', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' } })).status).toBe(302);
    expect((await http(app.url, 'GET', '/no-such-slug')).status).toBe(404);
    await receiver.waitForRequests(3);

    const scrape = async () => samples((await http(app!.url, 'GET', '/metrics')).text);
    const after = await until('both webhooks’ attempts counted', async () => {
      const s = await scrape();
      return (s.get('linkwire_delivery_attempts_total{outcome="success"}') ?? 0) >= 3 && (s.get('linkwire_delivery_attempts_total{outcome="refused"}') ?? 0) >= 3 ? s : null;
    });
    expect(after.get('linkwire_redirects_total{status="302"}')).toBe(3);
    expect(after.get('linkwire_redirects_total{status="404"}')).toBe(1);
    expect(after.get('linkwire_redirect_duration_seconds_count')).toBe(4);
    expect(after.get('linkwire_clicks_recorded_total')).toBe(3);
    expect(after.get('linkwire_events_total{type="link.clicked"}')).toBe(3);
    expect(after.get('linkwire_events_total{type="link.created"}')).toBe(1);
    expect(after.get('linkwire_delivery_attempts_total{outcome="success"}')).toBe(3);
    expect(after.get('linkwire_delivery_attempts_total{outcome="refused"}')).toBe(3);
    expect(after.get('linkwire_delivery_attempt_duration_seconds_count')).toBe(6);
    expect(after.get('linkwire_delivery_lag_seconds_count')).toBe(3);
    expect(after.get('linkwire_deliveries_pending')).toBe(0);
    expect(after.has('linkwire_deliveries_due')).toBe(true);
    expect(after.has('linkwire_deliveries_oldest_pending_age_seconds')).toBe(true);
    expect(after.has('linkwire_webhooks_auto_disabled_total')).toBe(true);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);
    if (dialect === 'postgres') expect(after.get('linkwire_db_pool_connections{state="total"}')).toBeGreaterThan(0);

    // Nothing is labelled by workspace, endpoint, link or URL.
    const text = (await http(app.url, 'GET', '/metrics')).text;
    for (const leak of [me.workspaceId, good.json().id, bad.json().id, link.json().id, 'metered', String(closedPort), String(receiver.port)]) {
      expect(text).not.toContain(leak);
    }
  });

  it('counts an endpoint switched off by a 410, and shows a failed delivery waiting for its retry as pending', async () => {
    receiver = await startReceiver({ respond: (r) => ({ status: r.path.includes('gone') ? 410 : 500 }) });
    app = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    const me = await app.signup();
    for (const name of ['gone', 'flaky']) {
      const hook = await app.api('POST', '/api/webhooks', { name, url: `${receiver.url}?${name}`, events: ['link.created'] }, me.key);
      expect(hook.status).toBe(201);
    }
    await app.api('POST', '/api/links', { url: 'https://example.com/x' }, me.key);
    const s = await until('the endpoint switched off and the other one’s retry scheduled', async () => {
      const m = samples((await http(app!.url, 'GET', '/metrics')).text);
      return m.get('linkwire_webhooks_auto_disabled_total') === 1 && m.get('linkwire_delivery_attempts_total{outcome="http_5xx"}') === 1 && m.get('linkwire_deliveries_pending') === 1 ? m : null;
    }, 15_000);
    expect(s.get('linkwire_delivery_attempts_total{outcome="http_4xx"}')).toBe(1);
    expect(s.get('linkwire_events_total{type="webhook.disabled"}')).toBe(1);
    expect(s.get('linkwire_deliveries_due')).toBe(0); // the retry is 5 minutes away
    expect(s.get('linkwire_deliveries_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const PASSWORD = 'correct horse battery';

/** The API routes the dashboard added: session probe and workspace switch, recent clicks, webhook health, filter check. */
describe.each(DIALECTS)('dashboard API additions on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  async function loginCookie(email: string, workspaceId?: string): Promise<string> {
    const res = await http(t.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD, ...(workspaceId ? { workspace_id: workspaceId } : {}) } });
    expect(res.status).toBe(200);
    return String(res.headers['set-cookie']).split(';')[0]!;
  }

  it('GET /api/auth/session answers anonymous callers, and lists a member’s workspaces; switching moves the session', async () => {
    const anon = await http(t.url, 'GET', '/api/auth/session');
    expect(anon.status).toBe(200);
    expect(anon.json()).toEqual({ authenticated: false, via: null, user_id: null, workspaces: [], two_factor_setup_required: false });
    expect((await http(t.url, 'GET', '/api/auth/session', { headers: { cookie: 'lw_session=forged' } })).json().authenticated).toBe(false);

    const owner = await t.signup();
    const member = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: member.email, role: 'member' }, owner.key);
    const cookie = await loginCookie(member.email, member.workspaceId);
    const session = (await http(t.url, 'GET', '/api/auth/session', { headers: { cookie } })).json();
    expect(session.authenticated).toBe(true);
    expect(session.via).toBe('session');
    expect(session.workspaces.map((w: { id: string }) => w.id).sort()).toEqual([owner.workspaceId, member.workspaceId].sort());
    expect(session.workspaces.find((w: { current: boolean }) => w.current).id).toBe(member.workspaceId);

    const switched = await http(t.url, 'POST', '/api/auth/switch-workspace', { body: { workspace_id: owner.workspaceId }, headers: { cookie, origin: t.url } });
    expect(switched.status).toBe(204);
    expect((await http(t.url, 'GET', '/api/workspace', { headers: { cookie } })).json().id).toBe(owner.workspaceId);

    // Not a member there: 403, and the session stays where it was.
    const stranger = await t.signup();
    const refused = await http(t.url, 'POST', '/api/auth/switch-workspace', { body: { workspace_id: stranger.workspaceId }, headers: { cookie, origin: t.url } });
    expect(refused.status).toBe(403);
    expect((await http(t.url, 'GET', '/api/workspace', { headers: { cookie } })).json().id).toBe(owner.workspaceId);
    // An API key belongs to one workspace: it cannot switch.
    expect((await t.api('POST', '/api/auth/switch-workspace', { workspace_id: owner.workspaceId }, member.key)).status).toBe(403);
  });

  it('GET /api/links/:id/clicks lists the latest clicks, newest first; another workspace gets 404', async () => {
    const me = await t.signup();
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/a' }, me.key)).json();
    for (const ref of ['https://news.example/a', 'https://blog.example/b']) {
      expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': UA, referer: ref } })).status).toBe(302);
    }
    const clicks = await until('clicks recorded', async () => {
      const res = (await t.api('GET', `/api/links/${link.id}/clicks?limit=5`, undefined, me.key)).json();
      return res.data.length === 2 ? res.data : null;
    });
    expect(clicks[0].referrer_domain).toBe('blog.example');
    expect(clicks[1].referrer_domain).toBe('news.example');
    expect(clicks[0]).toMatchObject({ id: expect.stringMatching(/^clk_/), bot: false, qr: false, destination: 'https://example.com/a', ip: null });
    expect((await t.api('GET', `/api/links/${link.id}/clicks?limit=1`, undefined, me.key)).json().data).toHaveLength(1);
    expect((await t.api('GET', `/api/links/${link.id}/clicks?limit=0`, undefined, me.key)).status).toBe(400);
    const other = await t.signup();
    expect((await t.api('GET', `/api/links/${link.id}/clicks`, undefined, other.key)).status).toBe(404);
  });

  it('GET /api/webhook-health gives each webhook its last attempt and the day’s success rate', async () => {
    const me = await t.signup();
    const hook = (await t.api('POST', '/api/webhooks', { name: 'h', url: receiver.url, events: ['link.clicked'] }, me.key)).json();
    const idle = (await t.api('POST', '/api/webhooks', { name: 'idle', url: receiver.url, events: ['domain.added'] }, me.key)).json();
    let health = (await t.api('GET', '/api/webhook-health', undefined, me.key)).json().data;
    expect(health).toContainEqual({ webhook_id: idle.id, last_attempt: null, deliveries_24h: 0, succeeded_24h: 0, failed_24h: 0, success_rate_24h: null });

    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/h' }, me.key)).json();
    let failNext = false;
    receiver.setResponder(() => (failNext ? { status: 500 } : {}));
    await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': UA } });
    health = await until('delivered', async () => {
      const data = (await t.api('GET', '/api/webhook-health', undefined, me.key)).json().data;
      return data.find((h: { webhook_id: string; succeeded_24h: number }) => h.webhook_id === hook.id && h.succeeded_24h === 1) ? data : null;
    });
    const mine = health.find((h: { webhook_id: string }) => h.webhook_id === hook.id);
    expect(mine).toMatchObject({ deliveries_24h: 1, succeeded_24h: 1, failed_24h: 0, success_rate_24h: 1 });
    expect(mine.last_attempt).toMatchObject({ status_code: 200, error: null, delivery_id: expect.stringMatching(/^dlv_/) });

    // A failing test send shows as the last attempt; test sends do not count in the rate.
    failNext = true;
    await t.api('POST', `/api/webhooks/${hook.id}/test`, {}, me.key);
    const after = (await t.api('GET', '/api/webhook-health', undefined, me.key)).json().data.find((h: { webhook_id: string }) => h.webhook_id === hook.id);
    expect(after.last_attempt.status_code).toBe(500);
    expect(after.success_rate_24h).toBe(1);
    receiver.setResponder(() => ({}));

    const other = await t.signup();
    expect((await t.api('GET', '/api/webhook-health', undefined, other.key)).json().data).toEqual([]);
  });

  it('POST /api/webhook-filters/check says what is wrong, in words, without creating anything', async () => {
    const me = await t.signup();
    expect((await t.api('POST', '/api/webhook-filters/check', { filter: 'data.click.country in [US, CA]' }, me.key)).json()).toEqual({ valid: true, message: null, position: null });
    const bad = (await t.api('POST', '/api/webhook-filters/check', { filter: 'data.click.country in [US' }, me.key)).json();
    expect(bad.valid).toBe(false);
    expect(bad.message).toMatch(/^filter: /);
    expect(typeof bad.position).toBe('number');
    expect((await t.api('POST', '/api/webhook-filters/check', {}, me.key)).status).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('access hardening on %s', (dialect) => {
  let t: TestApp;
  let ipCounter = 0;
  const freshIp = () => `198.51.100.${++ipCounter}`;
  const login = (body: object, ip: string) => http(t.url, 'POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': ip, 'user-agent': 'TestAgent/1.0' } });

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { trustProxy: { kind: 'hops', hops: 1 }, adminEmails: new Set(['root@example.com']) } });
  });
  afterAll(async () => t?.close());

  it('item 8: 200 parallel guesses from one address check only the allowed 5 passwords', async () => {
    const user = await t.signup();
    const ip = freshIp();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => login({ email: user.email, password: `guess-${i}` }, ip)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(195);
    // Every checked guess leaves a security.login_failed event: exactly five were checked.
    const events = (await t.api('GET', '/api/events?type=security.login_failed&limit=100', undefined, user.key)).json().data;
    expect(events).toHaveLength(5);
  });

  it("item 9: an attacker's 50 failures from one address do not lock the owner out from another", async () => {
    const owner = await t.signup();
    const attacker = freshIp();
    const answers = [];
    for (let i = 0; i < 50; i++) answers.push((await login({ email: owner.email, password: `guess-${i}` }, attacker)).status);
    expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(answers.slice(5))).toEqual(new Set([429]));
    const limited = await login({ email: owner.email, password: PASSWORD }, attacker);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const home = await login({ email: owner.email, password: PASSWORD }, freshIp());
    expect(home.status).toBe(200);
    expect(home.headers['set-cookie']).toBeDefined();
  });

  it('item 9: failures spread over many addresses slow the account down but never refuse the right password', async () => {
    const owner = await t.signup();
    // Eight addresses, one wrong guess each: from the 5th account-wide failure each check waits 250 ms, doubling, up to 2 s.
    for (let i = 0; i < 8; i++) expect((await login({ email: owner.email, password: `spray-${i}` }, freshIp())).status).toBe(401);
    const started = Date.now();
    const res = await login({ email: owner.email, password: PASSWORD }, freshIp());
    expect(res.status).toBe(200);
    const heldBack = Date.now() - started;
    expect(heldBack).toBeGreaterThanOrEqual(1_900);
    // The right password forgave the account: the next login is not held back.
    const again = Date.now();
    expect((await login({ email: owner.email, password: PASSWORD }, freshIp())).status).toBe(200);
    // Compared with the held-back login rather than a fixed bound: the password hash alone takes long on a loaded machine.
    expect(Date.now() - again).toBeLessThan(heldBack - 1_000);
  });

  it("item 10: Fastify's request.ip takes the right-most X-Forwarded-For entry, not a spoofed left-most one", async () => {
    const user = await t.signup();
    await login({ email: user.email, password: 'wrong' }, '203.0.113.66, 198.51.100.201');
    const events = (await t.api('GET', '/api/events?type=security.login_failed', undefined, user.key)).json().data;
    expect(events[0].data.ip).toBe('198.51.100.201');
  });

  it('item 11: a cookie-authenticated rotate-secret from a foreign Origin is refused; the dashboard still works', async () => {
    const user = await t.signup();
    const created = await t.api('POST', '/api/webhooks', { name: 'h', url: 'https://hooks.example.com/x', events: ['link.clicked'] }, user.key);
    expect(created.status).toBe(201);
    const id = created.json().id as string;
    const session = await login({ email: user.email, password: PASSWORD }, freshIp());
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;
    const rotate = (headers: Record<string, string>) => http(t.url, 'POST', `/api/webhooks/${id}/rotate-secret`, { headers: { cookie, ...headers } });

    const foreign = await rotate({ origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json().error).toMatchObject({ code: 'FORBIDDEN' });
    expect(foreign.json().error.message).toMatch(/Cross-site request refused.*evil\.example/);
    expect((await rotate({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await rotate({ 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await rotate({})).status).toBe(403);
    // A cookie-authenticated read needs nothing more.
    expect((await http(t.url, 'GET', `/api/webhooks/${id}`, { headers: { cookie } })).status).toBe(200);

    // The dashboard: same-origin fetch (the browser sends Sec-Fetch-Site, or at least Origin).
    const host = new URL(t.url).host;
    const sameOrigin = await rotate({ 'sec-fetch-site': 'same-origin', origin: t.url });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.json().secret).toMatch(/^whsec_/);
    expect((await rotate({ origin: `http://${host}` })).status).toBe(200);
    // A bearer key is not affected by a foreign Origin.
    const byKey = await http(t.url, 'POST', `/api/webhooks/${id}/rotate-secret`, { token: user.key, headers: { origin: 'https://evil.example' } });
    expect(byKey.status).toBe(200);
  });

  it('item 12: an owner cannot raise their own plan; an operator (by session or by key) can', async () => {
    const owner = await t.signup();
    const raise = await t.api('PATCH', '/api/workspace', { plan: 'enterprise' }, owner.key);
    expect(raise.status).toBe(403);
    expect(raise.json().error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('LINKWIRE_ADMIN_EMAILS') });
    expect((await t.api('GET', '/api/workspace', undefined, owner.key)).json().plan).toBe('pro');
    // Other fields still change.
    expect((await t.api('PATCH', '/api/workspace', { name: 'renamed' }, owner.key)).status).toBe(200);

    const root = await t.signup('root@example.com');
    const up = await t.api('PATCH', '/api/workspace', { plan: 'enterprise' }, root.key);
    expect(up.status).toBe(200);
    expect(up.json().plan).toBe('enterprise');
    const events = (await t.api('GET', '/api/events?type=account.upgraded', undefined, root.key)).json().data;
    expect(events).toHaveLength(1);
    expect(events[0].data.previous_plan).toBe('pro');
    // The domain method the operator CLI uses.
    const down = await t.app.accounts.setPlan(owner.workspaceId, 'free');
    expect(down.plan).toBe('free');
    const ownerEvents = (await t.api('GET', '/api/events?type=account.downgraded', undefined, owner.key)).json().data;
    expect(ownerEvents).toHaveLength(1);
  });
});

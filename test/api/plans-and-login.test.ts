import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('plans and logins on %s', (dialect) => {
  let t: TestApp;
  let ipCounter = 0;
  /** Each test logs in from its own address (trusted X-Forwarded-For), so IP limits do not leak between tests. */
  const freshIp = () => `198.51.100.${++ipCounter}`;
  const login = (body: object, ip: string, userAgent = 'TestAgent/1.0', url = t.url) =>
    http(url, 'POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': ip, 'user-agent': userAgent } });

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual', config: { trustProxy: { kind: 'hops', hops: 1 }, adminEmails: new Set(['ops@example.com', 'ops2@example.com']) } });
  });
  afterAll(async () => t?.close());

  it('emits account.upgraded and account.downgraded with the previous plan (an operator changes it)', async () => {
    const { key, workspaceId } = await t.signup('ops@example.com');
    expect((await t.api('GET', '/api/workspace', undefined, key)).json().plan).toBe('pro');
    const up = await t.api('PATCH', '/api/workspace', { plan: 'team' }, key);
    expect(up.status).toBe(200);
    expect(up.json().plan).toBe('team');
    const down = await t.api('PATCH', '/api/workspace', { plan: 'free' }, key);
    expect(down.json().plan).toBe('free');
    // The same plan again changes nothing.
    await t.api('PATCH', '/api/workspace', { plan: 'free' }, key);

    const events = await expectValidEvents(t, key, ['account.upgraded', 'account.downgraded']);
    const upgraded = events.filter((e) => e.type === 'account.upgraded');
    const downgraded = events.filter((e) => e.type === 'account.downgraded');
    expect(upgraded).toHaveLength(1);
    expect(downgraded).toHaveLength(1);
    expect(upgraded[0].data).toMatchObject({ previous_plan: 'pro', workspace: { id: workspaceId, plan: 'team' } });
    expect(downgraded[0].data).toMatchObject({ previous_plan: 'team', workspace: { id: workspaceId, plan: 'free' } });
    expect(upgraded[0].workspace_id).toBe(workspaceId);
  });

  it('refuses an unknown plan with 400 and emits nothing', async () => {
    const { key } = await t.signup('OPS2@Example.com');
    for (const plan of ['platinum', '', 'PRO']) {
      const res = await t.api('PATCH', '/api/workspace', { plan }, key);
      expect(res.status, plan).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await t.api('PATCH', '/api/workspace', { plan: 5 }, key)).status).toBe(400);
    expect((await t.api('GET', '/api/workspace', undefined, key)).json().plan).toBe('pro');
    const events = (await t.api('GET', '/api/events', undefined, key)).json().data;
    expect(events.filter((e: any) => e.type.startsWith('account.'))).toEqual([]);
  });

  it("records security.login_failed in each of the user's workspaces, and nothing for unknown emails", async () => {
    const user = await t.signup();
    const other = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: user.email, role: 'member' }, other.key);
    const ip = freshIp();
    const wrong = await login({ email: user.email.toUpperCase(), password: 'wrong password' }, ip, 'Mozilla/5.0 (X11; Linux)');
    expect(wrong.status).toBe(401);
    const unknown = await login({ email: `nobody-${Date.now()}@example.com`, password: 'wrong password' }, ip, 'Mozilla/5.0 (X11; Linux)');
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());

    for (const key of [user.key, other.key]) {
      const events = await expectValidEvents(t, key, ['security.login_failed']);
      const failed = events.filter((e) => e.type === 'security.login_failed');
      expect(failed).toHaveLength(1);
      expect(failed[0].data).toEqual({ email: user.email, ip, user_agent: 'Mozilla/5.0 (X11; Linux)' });
    }
    expect((await login({ email: user.email, password: PASSWORD }, ip)).status).toBe(200);
  });
});

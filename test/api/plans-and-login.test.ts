import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { ManualClock } from '../../src/clock.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';
const WINDOW_MS = 15 * 60_000;

describe.each(DIALECTS)('plans and logins on %s', (dialect) => {
  let t: TestApp;
  let ipCounter = 0;
  /** Each test logs in from its own address (trusted X-Forwarded-For), so IP limits do not leak between tests. */
  const freshIp = () => `198.51.100.${++ipCounter}`;
  const login = (body: object, ip: string, userAgent = 'TestAgent/1.0', url = t.url) =>
    http(url, 'POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': ip, 'user-agent': userAgent } });

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual', config: { trustProxy: { kind: 'hops', hops: 1 } } });
  });
  afterAll(async () => t?.close());

  it('emits account.upgraded and account.downgraded with the previous plan', async () => {
    const { key, workspaceId } = await t.signup();
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
    const { key } = await t.signup();
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

  it('rate limits failed logins per account with 429 and Retry-After, shared across processes', async () => {
    const user = await t.signup();
    for (let i = 0; i < 5; i++) {
      // Spread over addresses: the account limit, not the IP limit, is what trips.
      expect((await login({ email: user.email, password: `wrong-${i}` }, freshIp())).status).toBe(401);
      (t.clock as ManualClock).advance(1_000);
    }
    const ip = freshIp();
    const limited = await login({ email: user.email, password: 'wrong again' }, ip);
    expect(limited.status).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    // The oldest of the five failures leaves the window in 15 min minus the 5 s since.
    expect(limited.headers['retry-after']).toBe(String((WINDOW_MS - 5_000) / 1000));
    // Even the right password waits: the limit is checked before the password.
    expect((await login({ email: user.email, password: PASSWORD }, ip)).status).toBe(429);
    // A refused attempt is not a failure: no event for it and the wait does not grow.
    const failedEvents = (await t.api('GET', '/api/events?type=security.login_failed', undefined, user.key)).json().data;
    expect(failedEvents).toHaveLength(5);

    // A second process on the same database sees the same count.
    const second = await createApp({ config: t.config, storage: t.storage, clock: t.clock, logLevel: 'silent' });
    const secondUrl = await second.listen(0, '127.0.0.1');
    try {
      expect((await login({ email: user.email, password: PASSWORD }, freshIp(), 'x', secondUrl)).status).toBe(429);
    } finally {
      await second.close();
    }

    (t.clock as ManualClock).advance(WINDOW_MS - 5_000);
    const ok = await login({ email: user.email, password: PASSWORD }, ip);
    expect(ok.status).toBe(200);
    // Success forgives the account's failures.
    for (let i = 0; i < 4; i++) expect((await login({ email: user.email, password: 'nope' }, freshIp())).status).toBe(401);
    expect((await login({ email: user.email, password: PASSWORD }, freshIp())).status).toBe(200);
  });

  it('rate limits unknown emails exactly like known ones', async () => {
    const email = `ghost-${dialect}-${Date.now()}@example.com`;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await login({ email, password: 'guess' }, freshIp()));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(answers[5]!.headers['retry-after']).toBe(String(WINDOW_MS / 1000));
  });

  it('rate limits failed logins per IP across accounts', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => t.signup()));
    const ip = freshIp();
    for (let i = 0; i < 10; i++) {
      const res = await login({ email: users[i % 4]!.email, password: `wrong-${i}` }, ip);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const limited = await login({ email: users[0]!.email, password: PASSWORD }, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBe(WINDOW_MS / 1000);
    // Another address is not affected.
    expect((await login({ email: users[0]!.email, password: PASSWORD }, freshIp())).status).toBe(200);
    (t.clock as ManualClock).advance(WINDOW_MS);
    expect((await login({ email: users[1]!.email, password: PASSWORD }, ip)).status).toBe(200);
  });
});

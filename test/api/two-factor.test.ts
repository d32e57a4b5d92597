import { statSync } from 'node:fs';
import { URI, type TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountAdmin } from '../../src/accounts/account-admin.js';
import type { ManualClock } from '../../src/runtime/clock.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('two-factor sign-in on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual' });
    clock = t.clock as ManualClock;
  });
  afterAll(async () => t?.close());

  const login = (body: Record<string, unknown>) => http(t.url, 'POST', '/api/auth/login', { body: { password: PASSWORD, ...body } });
  /** A dashboard session's calls (same-origin, as the dashboard's own pages make them). */
  const sessionOf = (cookie: string) => (method: string, path: string, body?: unknown) =>
    http(t.url, method, path, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(body === undefined ? {} : { body }) });
  const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;

  async function signedIn() {
    const user = await t.signup();
    const res = await login({ email: user.email });
    expect(res.status).toBe(200);
    return { ...user, call: sessionOf(cookieOf(res)) };
  }

  /** Sets 2FA up through the API as the dashboard does; the test's authenticator is built from the otpauth URL. */
  async function withTwoFactor() {
    const user = await signedIn();
    const setup = await user.call('POST', '/api/auth/2fa/setup');
    expect(setup.status).toBe(200);
    const totp = URI.parse(setup.json().otpauth_url) as TOTP;
    const enabled = await user.call('POST', '/api/auth/2fa/enable', { code: totp.generate({ timestamp: clock.now() }) });
    expect(enabled.status).toBe(200);
    const codes: string[] = enabled.json().recovery_codes;
    clock.advance(30_000); // the code used to enable is spent: the next login needs the next one
    return { ...user, totp, codes, code: () => totp.generate({ timestamp: clock.now() }), secret: totp.secret.base32 };
  }

  it('sets up with an otpauth URL and a QR code, enables after one valid code, and never stores the secret or the codes in plain text', async () => {
    const user = await signedIn();
    expect((await user.call('GET', '/api/auth/2fa')).json()).toEqual({ enabled: false, recovery_codes_left: 0 });
    const setup = await user.call('POST', '/api/auth/2fa/setup');
    expect(setup.status).toBe(200);
    const { otpauth_url, qr_svg } = setup.json();
    expect(otpauth_url).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauth_url).toContain(encodeURIComponent(user.email));
    expect(qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const totp = URI.parse(otpauth_url) as TOTP;

    // Not on until a code proves the app has the secret: login still needs only the password.
    expect((await login({ email: user.email })).status).toBe(200);
    const wrong = await user.call('POST', '/api/auth/2fa/enable', { code: totp.generate({ timestamp: clock.now() - 10 * 60_000 }) });
    expect(wrong.status).toBe(400);
    expect(wrong.json().error.message).toMatch(/code is wrong/);
    expect((await user.call('POST', '/api/auth/2fa/enable', { code: 'abc' })).status).toBe(400);

    const enabled = await user.call('POST', '/api/auth/2fa/enable', { code: totp.generate({ timestamp: clock.now() }) });
    expect(enabled.status).toBe(200);
    const codes: string[] = enabled.json().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect((await user.call('GET', '/api/auth/2fa')).json()).toEqual({ enabled: true, recovery_codes_left: 10 });
    // A second setup while on would replace the authenticator behind the user's back.
    expect((await user.call('POST', '/api/auth/2fa/setup')).status).toBe(409);

    const row = await t.storage.db.selectFrom('two_factor').selectAll().where('user_id', '=', user.userId).executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(totp.secret.base32);
    expect(row.secret).not.toContain(totp.secret.hex);
    expect(row.secret).toMatch(/^v1\./);
    const stored = await t.storage.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.userId).execute();
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored);
    for (const code of codes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replace('-', ''));
    }
    if (dialect === 'sqlite') expect(statSync(t.config.secretKeyFile!).mode & 0o777).toBe(0o600);

    // Announced in the user's workspace, without the secret or any code.
    const events = (await t.api('GET', '/api/events?type=security.2fa_enabled', undefined, user.key)).json().data;
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ user_id: user.userId, email: user.email });
    const text = JSON.stringify(events);
    expect(text).not.toContain(totp.secret.base32);
    for (const code of codes) expect(text).not.toContain(code);
  });

  it.runIf(dialect === 'postgres')('without LINKWIRE_SECRET_KEY on PostgreSQL, setup says what to set and stores nothing', async () => {
    const keyless = await startTestApp('postgres', { config: { secretKey: null, secretKeyFile: null } });
    try {
      const user = await keyless.signup();
      const res = await http(keyless.url, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } });
      const setup = await http(keyless.url, 'POST', '/api/auth/2fa/setup', { headers: { cookie: cookieOf(res), 'sec-fetch-site': 'same-origin' } });
      expect(setup.status).toBe(500);
      expect(setup.json().error.message).toMatch(/set LINKWIRE_SECRET_KEY/);
      expect(await keyless.storage.db.selectFrom('two_factor').select('user_id').execute()).toEqual([]);
    } finally {
      await keyless.close();
    }
  });

  it('API keys cannot set two-factor sign-in up', async () => {
    const user = await t.signup();
    for (const path of ['/api/auth/2fa/setup', '/api/auth/2fa/enable', '/api/auth/2fa/disable', '/api/auth/2fa/recovery-codes']) {
      const res = await t.api('POST', path, path.endsWith('setup') ? undefined : { code: '123456' }, user.key);
      expect(res.status, path).toBe(403);
      expect(res.json().error.message).toMatch(/not with an API key/);
    }
    expect(await t.storage.db.selectFrom('two_factor').select('user_id').where('user_id', '=', user.userId).execute()).toEqual([]);
  });

  it('asks for a code after the right password, signs in with a valid one, and refuses it replayed', async () => {
    const user = await withTwoFactor();
    const noCode = await login({ email: user.email });
    expect(noCode.status).toBe(401);
    expect(noCode.json().error.code).toBe('TWO_FACTOR_REQUIRED');
    expect(noCode.headers['set-cookie']).toBeUndefined();
    // A wrong password is still just a wrong password, code or not.
    const wrongPassword = await login({ email: user.email, password: 'not the password', code: user.code() });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.json().error.code).toBe('UNAUTHORIZED');

    const code = user.code();
    const ok = await login({ email: user.email, code });
    expect(ok.status).toBe(200);
    const call = sessionOf(cookieOf(ok));
    expect((await call('GET', '/api/links')).status).toBe(200);
    const replay = await login({ email: user.email, code });
    expect(replay.status).toBe(401);
    expect(replay.json().error.message).toMatch(/code is wrong or was already used/);
    clock.advance(30_000);
    expect((await login({ email: user.email, code: user.code() })).status).toBe(200);
  });

  it('refuses a wrong code, records it as a failed login and counts it in the login throttle', async () => {
    const user = await withTwoFactor();
    for (let i = 0; i < 5; i++) {
      const res = await login({ email: user.email, code: '000000' === user.code() ? '111111' : '000000' });
      expect(res.status).toBe(401);
      expect(res.json().error.message).toMatch(/two-factor code is wrong/);
    }
    // Five wrong codes from this address: the next attempt is throttled, even with the right code.
    const throttled = await login({ email: user.email, code: user.code() });
    expect(throttled.status).toBe(429);
    const events = (await t.api('GET', '/api/events?type=security.login_failed', undefined, user.key)).json().data;
    expect(events.filter((e: any) => e.type === 'security.login_failed')).toHaveLength(5);
    expect(JSON.stringify(events)).not.toContain(user.secret);
  });

  it('a recovery code signs in once; used again it fails', async () => {
    const user = await withTwoFactor();
    const recovery = user.codes[0]!;
    const first = await login({ email: user.email, code: recovery.toUpperCase() });
    expect(first.status).toBe(200);
    const second = await login({ email: user.email, code: recovery });
    expect(second.status).toBe(401);
    expect((await sessionOf(cookieOf(first))('GET', '/api/auth/2fa')).json()).toEqual({ enabled: true, recovery_codes_left: 9 });
    // Another user's recovery code is not this user's.
    const other = await withTwoFactor();
    expect((await login({ email: user.email, code: other.codes[0] })).status).toBe(401);
  });

  it('new recovery codes and turning two-factor off need a code', async () => {
    const user = await withTwoFactor();
    expect((await user.call('POST', '/api/auth/2fa/recovery-codes', {})).status).toBe(400);
    expect((await user.call('POST', '/api/auth/2fa/recovery-codes', { code: 'aaaaa-aaaaa' })).status).toBe(400);
    const fresh = await user.call('POST', '/api/auth/2fa/recovery-codes', { code: user.code() });
    expect(fresh.status).toBe(200);
    const newCodes: string[] = fresh.json().recovery_codes;
    expect(newCodes).toHaveLength(10);
    expect((await login({ email: user.email, code: user.codes[1] })).status).toBe(401); // the old ones are gone

    expect((await user.call('POST', '/api/auth/2fa/disable', {})).status).toBe(400);
    const wrong = await user.call('POST', '/api/auth/2fa/disable', { code: '12345' });
    expect(wrong.status).toBe(400);
    expect((await login({ email: user.email })).json().error.code).toBe('TWO_FACTOR_REQUIRED');
    const off = await user.call('POST', '/api/auth/2fa/disable', { code: newCodes[0] });
    expect(off.status).toBe(204);
    const disabled = (await t.api('GET', '/api/events?type=security.2fa_disabled', undefined, user.key)).json().data;
    expect(disabled).toHaveLength(1);
    expect(JSON.stringify(disabled)).not.toContain(newCodes[0]);
    expect((await login({ email: user.email })).status).toBe(200);
    expect(await t.storage.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.userId).execute()).toEqual([]);
  });

  it('an operator can turn a user’s two-factor sign-in off (lost phone): the password alone signs in again', async () => {
    const user = await withTwoFactor();
    expect((await login({ email: user.email })).json().error.code).toBe('TWO_FACTOR_REQUIRED');
    const result = await new AccountAdmin({ storage: t.storage }).disableTwoFactor(user.email.toUpperCase());
    expect(result).toMatchObject({ user_id: user.userId, was_enabled: true });
    expect(result.sessions_ended).toBeGreaterThanOrEqual(1);
    expect((await user.call('GET', '/api/links')).status).toBe(401); // their sessions ended
    expect((await login({ email: user.email })).status).toBe(200);
    expect(await t.storage.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.userId).execute()).toEqual([]);
  });

  it('owners can require two-factor sign-in: a member without it may only set it up; API keys are unaffected', async () => {
    const owner = await withTwoFactor();
    const member = await t.signup();
    const admin = await t.signup();
    expect((await t.api('POST', '/api/workspace/members', { email: member.email, role: 'editor' }, owner.key)).status).toBe(201);
    expect((await t.api('POST', '/api/workspace/members', { email: admin.email, role: 'admin' }, owner.key)).status).toBe(201);
    const memberKey = (await t.api('POST', '/api/workspace/api-keys', { name: 'member key' }, owner.key)).json().key as string;

    // Only owners may require it, and only once they use it themselves.
    const adminLogin = await login({ email: admin.email, workspace_id: owner.workspaceId });
    const adminCall = sessionOf(cookieOf(adminLogin));
    expect((await adminCall('PATCH', '/api/workspace', { settings: { require_2fa: true } })).status).toBe(403);
    const bare = await t.signup();
    const refused = await t.api('PATCH', '/api/workspace', { settings: { require_2fa: true } }, bare.key);
    expect(refused.status).toBe(400);
    expect(refused.json().error.message).toMatch(/your own account first/);
    const required = await owner.call('PATCH', '/api/workspace', { settings: { require_2fa: true } });
    expect(required.status).toBe(200);
    expect(required.json().settings.require_2fa).toBe(true);

    // The member signs in: refused with a code that sends them to set it up, and a session that can only do that.
    const res = await login({ email: member.email, workspace_id: owner.workspaceId });
    expect(res.status).toBe(403);
    expect(res.json().error.code).toBe('TWO_FACTOR_SETUP_REQUIRED');
    const call = sessionOf(cookieOf(res));
    const links = await call('GET', '/api/links');
    expect(links.status).toBe(403);
    expect(links.json().error.code).toBe('TWO_FACTOR_SETUP_REQUIRED');
    expect((await call('GET', '/api/auth/session')).json()).toMatchObject({ authenticated: true, two_factor_setup_required: true });
    // The admin already signed in is stopped too, from the next request on.
    expect((await adminCall('GET', '/api/links')).json().error.code).toBe('TWO_FACTOR_SETUP_REQUIRED');
    // Keys are not sign-ins.
    expect((await t.api('GET', '/api/links', undefined, memberKey)).status).toBe(200);
    expect((await t.api('GET', '/api/links', undefined, member.key)).status).toBe(200);

    const setup = await call('POST', '/api/auth/2fa/setup');
    expect(setup.status).toBe(200);
    const totp = URI.parse(setup.json().otpauth_url) as TOTP;
    expect((await call('POST', '/api/auth/2fa/enable', { code: totp.generate({ timestamp: clock.now() }) })).status).toBe(200);
    expect((await call('GET', '/api/links')).status).toBe(200);
    expect((await call('GET', '/api/auth/session')).json().two_factor_setup_required).toBe(false);

    // Switched off again, the admin's session works without 2FA.
    expect((await owner.call('PATCH', '/api/workspace', { settings: { require_2fa: false } })).status).toBe(200);
    expect((await adminCall('GET', '/api/links')).status).toBe(200);
  });
});

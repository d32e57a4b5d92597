import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URI, type TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { CookieBrowser, signInThrough, TestOidcProvider } from '../helpers/oidc-provider.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';

/** A real `linkwire serve` at log level info, without SMTP: its whole output never holds a token. */
describe.each(DIALECTS)('no token in the logs of a real server on %s', (dialect) => {
  let database: TestDatabase;
  let server: ServerProcess;
  let dir: string;
  const operator = `operator-${dialect}@example.com`;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'linkwire-logs-'));
    server = await startServerProcess({
      LINKWIRE_DATABASE_URL: database.url,
      LINKWIRE_JOURNAL_DIR: join(dir, 'journal'),
      LINKWIRE_LOG_LEVEL: 'info',
      LINKWIRE_ADMIN_EMAILS: operator,
      // PostgreSQL: the key that seals TOTP secrets comes from the environment (there is no key file).
      ...(dialect === 'postgres' ? { LINKWIRE_SECRET_KEY: randomBytes(32).toString('base64') } : {}),
    });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs mails without links, and request paths with invitation and reset tokens cut out', async () => {
    const signup = await http(server.url, 'POST', '/api/auth/signup', { body: { email: operator, password: PASSWORD } });
    expect(signup.status).toBe(201);
    const key = signup.json().api_key as string;
    const invitee = `joiner-${dialect}@example.com`;
    expect((await http(server.url, 'POST', '/api/workspace/members', { token: key, body: { email: invitee, role: 'editor' } })).status).toBe(201);
    expect((await http(server.url, 'POST', '/api/auth/forgot-password', { body: { email: operator } })).status).toBe(202);
    await until('both mails logged', () => server.output().includes(`invitation to ${invitee}`) && server.output().includes(`password_reset to ${operator}`), 20_000);

    const inviteUrl = (await http(server.url, 'POST', `/api/workspace/members/${encodeURIComponent(invitee)}/invitation-link`, { token: key })).json().url as string;
    const inviteToken = inviteUrl.split('/').pop()!;
    await http(server.url, 'GET', `/invite/${inviteToken}`);
    expect((await http(server.url, 'POST', '/api/auth/accept-invite', { body: { token: inviteToken, password: PASSWORD } })).status).toBe(200);

    const pending = await until('the reset request', async () => (await http(server.url, 'GET', '/api/mail/pending-resets', { token: key })).json().data[0]);
    const resetUrl = (await http(server.url, 'POST', `/api/mail/pending-resets/${pending.id}/link`, { token: key })).json().url as string;
    const resetToken = resetUrl.split('/').pop()!;
    await http(server.url, 'GET', `/reset/${resetToken}?from=mail`);
    expect((await http(server.url, 'POST', '/api/auth/reset-password', { body: { token: resetToken, password: 'another good password' } })).status).toBe(204);

    const output = server.output();
    expect(output).toContain('/invite/[redacted]');
    expect(output).toContain('/reset/[redacted]');
    for (const token of [inviteToken, resetToken]) expect(output).not.toContain(token);
    expect(output).not.toMatch(/lw[ir]_[A-Za-z0-9_-]{8}/);
  }, 90_000);

  it('never logs a TOTP secret, a code or a recovery code', async () => {
    const email = `twofa-${dialect}@example.com`;
    expect((await http(server.url, 'POST', '/api/auth/signup', { body: { email, password: PASSWORD } })).status).toBe(201);
    const login = (code?: string) => http(server.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD, ...(code ? { code } : {}) } });
    const cookie = String((await login()).headers['set-cookie']).split(';')[0]!;
    const own = { cookie, 'sec-fetch-site': 'same-origin' };
    const setup = await http(server.url, 'POST', '/api/auth/2fa/setup', { headers: own });
    expect(setup.status, setup.text).toBe(200);
    const totp = URI.parse(setup.json().otpauth_url) as TOTP;
    const first = totp.generate();
    const enabled = await http(server.url, 'POST', '/api/auth/2fa/enable', { headers: own, body: { code: first } });
    expect(enabled.status).toBe(200);
    const codes: string[] = enabled.json().recovery_codes;
    expect((await login()).status).toBe(401);
    expect((await login('000000' === first ? '111111' : '000000')).status).toBe(401);
    expect((await login(codes[0])).status).toBe(200);
    expect((await http(server.url, 'POST', '/api/auth/2fa/disable', { headers: own, body: { code: codes[1] } })).status).toBe(204);

    const output = server.output();
    expect(output).toContain('/api/auth/2fa/enable');
    for (const secret of [totp.secret.base32, ...codes]) expect(output).not.toContain(secret);
    // Six digits standing alone (timestamps and ids hold digit runs of their own).
    expect(output).not.toMatch(new RegExp(`(?<![0-9])${first}(?![0-9])`));
  }, 60_000);
});

/** A real `linkwire serve` with single sign-on: neither the client secret nor anything of a sign-in reaches its output. */
describe.each(DIALECTS)('no SSO secret in the logs of a real server on %s', (dialect) => {
  let database: TestDatabase;
  let server: ServerProcess;
  let dir: string;
  const provider = new TestOidcProvider();

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'linkwire-logs-'));
    const issuer = await provider.listen();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    provider.configure(`${baseUrl}/api/auth/oidc/callback`);
    server = await startServerProcess({
      PORT: String(port),
      LINKWIRE_BASE_URL: baseUrl,
      LINKWIRE_DATABASE_URL: database.url,
      LINKWIRE_JOURNAL_DIR: join(dir, 'journal'),
      LINKWIRE_LOG_LEVEL: 'debug',
      LINKWIRE_OIDC_ISSUER: issuer,
      LINKWIRE_OIDC_CLIENT_ID: provider.clientId,
      LINKWIRE_OIDC_CLIENT_SECRET: provider.clientSecret,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    await provider.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs the callback without its code, and never the client secret, the flow cookie or a token', async () => {
    provider.identities.set('ada', { email: `ada-${dialect}@sso.example`, email_verified: true });
    const browser = new CookieBrowser();
    const res = await signInThrough(provider, browser, server.url, 'ada');
    expect(res.status).toBe(302);
    const session = browser.cookies.get('lw_session')!;
    expect(session).toBeTruthy();
    await until('the callback logged', () => server.output().includes('/api/auth/oidc/callback?[redacted]'), 10_000);
    const output = server.output();
    expect(output).not.toContain(provider.clientSecret);
    expect(output).not.toContain(session);
    expect(output).not.toMatch(/code=[A-Za-z0-9_-]{8}/);
    expect(output).not.toMatch(/lwo_[A-Za-z0-9_-]{8}/);
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWT (ID token)
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

/** Signup, forgot-password, reset and invitation acceptance are limited per client address (issue 21 item 6). */
describe.each(DIALECTS)('account route throttles on %s', (dialect) => {
  let t: TestApp;
  let n = 0;
  // One trusted proxy hop: X-Forwarded-For names the client, so the test can speak from several addresses.
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const address = (what: string) => `${what}-${dialect}-${++n}@example.com`;

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { signupsPerAddressPerHour: 3, trustProxy: { kind: 'hops', hops: 1 } } });
  });
  afterAll(async () => t?.close());

  it('limits signups per address before hashing, and creates nothing past the limit', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await http(t.url, 'POST', '/api/auth/signup', { headers: from('198.51.100.1'), body: { email: address('flood'), password: PASSWORD } })).status).toBe(201);
    }
    const refusedEmail = address('flood');
    const refused = await http(t.url, 'POST', '/api/auth/signup', { headers: from('198.51.100.1'), body: { email: refusedEmail, password: PASSWORD } });
    expect(refused.status).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect(await t.storage.db.selectFrom('users').select('id').where('email', '=', refusedEmail).executeTakeFirst()).toBeUndefined();
    // Another address is not held back.
    expect((await http(t.url, 'POST', '/api/auth/signup', { headers: from('198.51.100.2'), body: { email: refusedEmail, password: PASSWORD } })).status).toBe(201);
  });

  it('limits forgot-password per address (429) and per account (still 202, nothing more queued)', async () => {
    const user = await t.signup();
    const resetsQueued = async () => (await t.storage.db.selectFrom('mail_outbox').select('id').where('recipient', '=', user.email).where('kind', '=', 'password_reset').execute()).length;
    // Per account: 3 an hour, from whichever addresses; more answer the same 202 and queue nothing.
    for (let i = 0; i < 5; i++) {
      const res = await http(t.url, 'POST', '/api/auth/forgot-password', { headers: from(`203.0.113.${10 + i}`), body: { email: user.email } });
      expect(res.status).toBe(202);
    }
    expect(await resetsQueued()).toBe(3);
    // Per address: 5 an hour, whatever the addresses asked about.
    for (let i = 0; i < 5; i++) {
      expect((await http(t.url, 'POST', '/api/auth/forgot-password', { headers: from('203.0.113.99'), body: { email: address('anyone') } })).status).toBe(202);
    }
    const limited = await http(t.url, 'POST', '/api/auth/forgot-password', { headers: from('203.0.113.99'), body: { email: address('anyone') } });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('limits invitation acceptance and reset attempts per address', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await http(t.url, 'POST', '/api/auth/accept-invite', { headers: from('192.0.2.50'), body: { token: `lwi_guess${i}`, password: PASSWORD } })).status).toBe(400);
    }
    expect((await http(t.url, 'POST', '/api/auth/accept-invite', { headers: from('192.0.2.50'), body: { token: 'lwi_guess', password: PASSWORD } })).status).toBe(429);
    expect((await http(t.url, 'POST', '/api/auth/accept-invite', { headers: from('192.0.2.51'), body: { token: 'lwi_guess', password: PASSWORD } })).status).toBe(400);
    for (let i = 0; i < 10; i++) {
      expect((await http(t.url, 'POST', '/api/auth/reset-password', { headers: from('192.0.2.60'), body: { token: `lwr_guess${i}`, password: PASSWORD } })).status).toBe(400);
    }
    expect((await http(t.url, 'POST', '/api/auth/reset-password', { headers: from('192.0.2.60'), body: { token: 'lwr_guess', password: PASSWORD } })).status).toBe(429);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { linkIn, SmtpReceiver } from '../helpers/smtp-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const tokenOf = (link: string): string => link.slice(link.lastIndexOf('/') + 1);

/** Every text column of the tables that could hold a secret, as one string to search. */
async function storedText(t: TestApp): Promise<string> {
  const tables = ['mail_outbox', 'auth_tokens', 'invites', 'events', 'users', 'sessions'] as const;
  const rows = await Promise.all(tables.map((table) => t.storage.db.selectFrom(table).selectAll().execute()));
  return JSON.stringify(rows);
}

describe.each(DIALECTS)('invitations and password resets by mail on %s', (dialect) => {
  let t: TestApp;
  const smtp = new SmtpReceiver();
  let n = 0;
  const address = (what: string) => `${what}-${dialect}-${++n}-${Date.now()}@example.com`;

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp(dialect, { config: { smtpUrl: smtp.url, mailFrom: 'Linkwire <noreply@lw.test>' }, mailOptions: { pollMs: 100, retryDelaysMs: [300, 300, 300, 300, 300, 300, 300, 300, 300, 300] } });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  async function login(email: string, password = PASSWORD, workspaceId?: string) {
    const res = await http(t.url, 'POST', '/api/auth/login', { body: { email, password, ...(workspaceId ? { workspace_id: workspaceId } : {}) } });
    if (res.status !== 200) return { status: res.status, call: null };
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const call = (method: string, path: string, body?: unknown) => http(t.url, method, path, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(body === undefined ? {} : { body }) });
    return { status: 200, call };
  }

  it('mails an invitation whose link, used once, makes a working member; member.added fires once', async () => {
    const owner = await t.signup();
    const email = address('invitee');
    const added = await t.api('POST', '/api/workspace/members', { email, role: 'editor' }, owner.key);
    expect(added.status).toBe(201);
    expect(added.json()).toMatchObject({ user_id: null, email, role: 'editor', status: 'invited' });

    const [mail] = await until('the invitation mail', () => (smtp.to(email).length ? smtp.to(email) : null));
    expect(mail!.from).toBe('noreply@lw.test');
    expect(mail!.subject).toMatch(/invited to .* on Linkwire/);
    expect(mail!.raw).toMatch(/Content-Type: text\/plain/i);
    expect(mail!.raw).toMatch(/Content-Type: text\/html/i);
    expect(mail!.decoded).not.toMatch(/<img/i);
    expect(mail!.decoded).toContain(t.config.baseUrl);
    const link = linkIn(mail!, 'invite');
    expect(link.startsWith(`${t.config.baseUrl}/invite/`)).toBe(true);
    const token = tokenOf(link);
    // Stored hashed only: the token is nowhere in the database.
    expect(await storedText(t)).not.toContain(token);

    const accepted = await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token, password: PASSWORD } });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.json().workspace_id).toBe(owner.workspaceId);
    const cookie = String(accepted.headers['set-cookie']).split(';')[0]!;
    const asInvitee = (method: string, path: string, body?: unknown) => http(t.url, method, path, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(body === undefined ? {} : { body }) });
    expect((await asInvitee('GET', '/api/workspace')).json().id).toBe(owner.workspaceId);
    // An editor: makes links, not members.
    expect((await asInvitee('POST', '/api/links', { url: 'https://example.com/editor' })).status).toBe(201);
    expect((await asInvitee('POST', '/api/workspace/members', { email: address('x'), role: 'viewer' })).status).toBe(403);
    // The password they chose works for a normal login.
    expect((await login(email, PASSWORD, owner.workspaceId)).status).toBe(200);

    // Single use.
    const again = await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token, password: PASSWORD } });
    expect(again.status).toBe(400);
    expect(again.json().error.message).toMatch(/invalid, has expired or was already used/);

    const list = (await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data;
    expect(list.find((m: any) => m.email === email)).toMatchObject({ status: 'active', role: 'editor', user_id: accepted.json().user_id });
    const events = await expectValidEvents(t, owner.key, ['member.added']);
    expect(events.filter((e) => e.type === 'member.added' && e.data.member.email === email)).toHaveLength(1);
  });

  it('does not let a signup with the invited address join: only the link does (member.added once)', async () => {
    const owner = await t.signup();
    const email = address('self-signup');
    await t.api('POST', '/api/workspace/members', { email, role: 'viewer' }, owner.key);
    const joined = await t.signup(email);
    let list = (await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data;
    expect(list.find((m: any) => m.email === email)).toMatchObject({ status: 'invited', user_id: null });
    expect((await login(email, PASSWORD, owner.workspaceId)).status).toBe(403);

    const [mail] = await until('the invitation mail', () => (smtp.to(email).length ? smtp.to(email) : null));
    const token = tokenOf(linkIn(mail!, 'invite'));
    // Someone with an account confirms it with their password; a wrong one is refused and uses nothing up.
    expect((await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token, password: 'not my password' } })).status).toBe(401);
    const ok = await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token, password: PASSWORD } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json().user_id).toBe(joined.userId);
    list = (await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data;
    expect(list.find((m: any) => m.email === email)).toMatchObject({ status: 'active', user_id: joined.userId, role: 'viewer' });
    const events = (await t.api('GET', '/api/events?type=member.added&limit=100', undefined, owner.key)).json().data;
    expect(events.filter((e: any) => e.data.member.email === email)).toHaveLength(1);
  });

  it('resends and revokes invitations; a revoked link stops working', async () => {
    const owner = await t.signup();
    const email = address('revoked');
    await t.api('POST', '/api/workspace/members', { email, role: 'viewer' }, owner.key);
    await until('the first invitation', () => smtp.to(email).length === 1);
    const resent = await t.api('POST', `/api/workspace/members/${encodeURIComponent(email)}/resend`, {}, owner.key);
    expect(resent.status).toBe(202);
    const mails = await until('the second invitation', () => (smtp.to(email).length === 2 ? smtp.to(email) : null));
    const copied = await t.api('POST', `/api/workspace/members/${encodeURIComponent(email)}/invitation-link`, {}, owner.key);
    expect(copied.status).toBe(201);
    expect(copied.json().url).toMatch(/\/invite\/lwi_/);

    expect((await t.api('DELETE', `/api/workspace/members/${encodeURIComponent(email)}`, undefined, owner.key)).status).toBe(204);
    for (const token of [...mails.map((m) => tokenOf(linkIn(m, 'invite'))), tokenOf(copied.json().url)]) {
      expect((await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token, password: PASSWORD } })).status).toBe(400);
    }
    // Resending or linking an active member is a conflict; bad input changes nothing.
    expect((await t.api('POST', `/api/workspace/members/${owner.userId}/resend`, {}, owner.key)).status).toBe(409);
    expect((await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token: 'x', password: 'short' } })).status).toBe(400);
    expect((await http(t.url, 'POST', '/api/auth/accept-invite', { body: { password: PASSWORD } })).status).toBe(400);
  });

  it('resets a password by mail: 202 for any address, a single-use link, other sessions end, security.password_reset', async () => {
    const user = await t.signup();
    const old = await login(user.email);
    expect((await old.call!('GET', '/api/workspace')).status).toBe(200);

    const unknown = address('nobody');
    const forUnknown = await http(t.url, 'POST', '/api/auth/forgot-password', { body: { email: unknown } });
    const forKnown = await http(t.url, 'POST', '/api/auth/forgot-password', { body: { email: user.email.toUpperCase() } });
    expect(forUnknown.status).toBe(202);
    expect(forKnown.status).toBe(202);
    expect(forUnknown.text).toBe(forKnown.text);

    const [mail] = await until('the reset mail', () => (smtp.to(user.email).length ? smtp.to(user.email) : null));
    expect(mail!.subject).toBe('Reset your Linkwire password');
    const token = tokenOf(linkIn(mail!, 'reset'));
    expect(await storedText(t)).not.toContain(token);

    expect((await http(t.url, 'POST', '/api/auth/reset-password', { body: { token: 'lwr_wrong', password: NEW_PASSWORD } })).status).toBe(400);
    const reset = await http(t.url, 'POST', '/api/auth/reset-password', { body: { token, password: NEW_PASSWORD } });
    expect(reset.status, reset.text).toBe(204);
    expect((await old.call!('GET', '/api/workspace')).status).toBe(401);
    expect((await login(user.email, PASSWORD)).status).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
    expect((await http(t.url, 'POST', '/api/auth/reset-password', { body: { token, password: 'yet another one' } })).status).toBe(400);

    const events = await expectValidEvents(t, user.key, ['security.password_reset']);
    const event = events.find((e) => e.type === 'security.password_reset');
    expect(event.data).toMatchObject({ user_id: user.userId, email: user.email, sessions_ended: 1 });
    expect(JSON.stringify(events)).not.toContain(token);
    // Nothing was mailed to the unknown address.
    await until('the sender to be idle', async () => (await t.storage.db.selectFrom('mail_outbox').select('id').where('status', '=', 'pending').execute()).length === 0);
    expect(smtp.to(unknown)).toEqual([]);
  });

  it('keeps mail that cannot be sent while the SMTP server is down, and sends it when it returns', async () => {
    const owner = await t.signup();
    await smtp.stop();
    try {
      const email = address('outage');
      expect((await t.api('POST', '/api/workspace/members', { email, role: 'viewer' }, owner.key)).status).toBe(201);
      const waiting = await until('a failed attempt', async () => {
        const row = await t.storage.db.selectFrom('mail_outbox').selectAll().where('recipient', '=', email).executeTakeFirst();
        return row && Number(row.attempts) >= 2 && row.status === 'pending' ? row : null;
      });
      expect(waiting.last_error).toBeTruthy();
      await smtp.start();
      const [mail] = await until('the invitation after the outage', () => (smtp.to(email).length ? smtp.to(email) : null), 20_000);
      expect(linkIn(mail!, 'invite')).toMatch(/\/invite\/lwi_/);
      await until('the mail marked sent', async () => (await t.storage.db.selectFrom('mail_outbox').select('status').where('recipient', '=', email).executeTakeFirstOrThrow()).status === 'sent');
    } finally {
      if (smtp.port && !(await isListening(smtp.port))) await smtp.start();
    }
  });
});

async function isListening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.each(DIALECTS)('mail without SMTP on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // No worker role here: the test runs the sender itself, to read what it logs.
    t = await startTestApp(dialect, { config: { roles: new Set(['api', 'redirect'] as const), adminEmails: new Set([`operator-${dialect}@example.com`]) } });
  });
  afterAll(async () => t?.close());

  it('logs each mail without its link, and lets admins copy invitation links and operators reset links', async () => {
    const { MailSender } = await import('../../src/mail/mail-sender.js');
    const lines: string[] = [];
    const sender = new MailSender({ storage: t.storage, clock: t.clock, baseUrl: t.config.baseUrl, smtpUrl: null, from: 'x@lw.test', log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } }, { pollMs: 50 });
    const operator = await t.signup(`operator-${dialect}@example.com`);
    const invitee = `logged-${dialect}@example.com`;
    await t.api('POST', '/api/workspace/members', { email: invitee, role: 'viewer' }, operator.key);
    await http(t.url, 'POST', '/api/auth/forgot-password', { body: { email: operator.email } });
    sender.start();
    try {
      await until('both mails logged', async () => (await t.storage.db.selectFrom('mail_outbox').select('id').where('status', '=', 'logged').execute()).length === 2);
    } finally {
      await sender.stop();
    }
    expect(lines.join('\n')).toContain(`invitation to ${invitee}`);
    expect(lines.join('\n')).toContain(`password_reset to ${operator.email}`);
    expect(lines.join('\n')).not.toMatch(/lw[ir]_|\/invite\/|\/reset\//);

    const invite = await t.api('POST', `/api/workspace/members/${encodeURIComponent(invitee)}/invitation-link`, {}, operator.key);
    const resets = (await t.api('GET', '/api/mail/pending-resets', undefined, operator.key)).json().data;
    expect(resets).toEqual([expect.objectContaining({ email: operator.email })]);
    const reset = await t.api('POST', `/api/mail/pending-resets/${resets[0].id}/link`, {}, operator.key);
    const stored = await storedText(t);
    for (const url of [invite.json().url, reset.json().url]) expect(stored).not.toContain(tokenOf(url));
    // A workspace admin who is not an operator never sees reset requests.
    const admin = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: admin.email, role: 'admin' }, operator.key);
    expect((await t.api('GET', '/api/mail/pending-resets', undefined, admin.key)).status).toBe(403);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('workspace members on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual' });
  });
  afterAll(async () => t?.close());

  /** A session cookie for `email` opened on `workspaceId`. */
  async function login(email: string, workspaceId?: string): Promise<(method: string, path: string, body?: unknown) => ReturnType<typeof http>> {
    const res = await http(t.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD, ...(workspaceId ? { workspace_id: workspaceId } : {}) } });
    expect(res.status, res.text).toBe(200);
    if (workspaceId) expect(res.json().workspace_id).toBe(workspaceId);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    return (method, path, body) => http(t.url, method, path, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(body === undefined ? {} : { body }) });
  }

  it('adds an existing user at once and invites an unknown email until they accept', async () => {
    const owner = await t.signup();
    const existing = await t.signup();
    const added = await t.api('POST', '/api/workspace/members', { email: existing.email.toUpperCase(), role: 'admin' }, owner.key);
    expect(added.status).toBe(201);
    expect(added.json()).toEqual({ user_id: existing.userId, email: existing.email, role: 'admin', added_at: new Date(t.clock.now()).toISOString(), status: 'active' });

    const email = `invitee-${dialect}-${Date.now()}@example.com`;
    // `member` is the old name of `viewer`.
    const invited = await t.api('POST', '/api/workspace/members', { email, role: 'member' }, owner.key);
    expect(invited.status).toBe(201);
    expect(invited.json()).toMatchObject({ user_id: null, email, role: 'viewer', status: 'invited' });

    expect((await t.api('POST', '/api/workspace/members', { email: existing.email, role: 'viewer' }, owner.key)).status).toBe(409);
    expect((await t.api('POST', '/api/workspace/members', { email, role: 'admin' }, owner.key)).status).toBe(409);
    expect((await t.api('POST', '/api/workspace/members', { email: 'not-an-email', role: 'viewer' }, owner.key)).status).toBe(400);
    expect((await t.api('POST', '/api/workspace/members', { email: 'x@example.com', role: 'boss' }, owner.key)).status).toBe(400);

    let list = (await t.api('GET', '/api/workspace/members', undefined, owner.key)).json();
    expect(list.next_cursor).toBeNull();
    expect(list.data.map((m: any) => [m.user_id, m.role, m.status])).toEqual([
      [owner.userId, 'owner', 'active'],
      [existing.userId, 'admin', 'active'],
      [null, 'viewer', 'invited'],
    ]);

    // The invitation's link (here copied by the owner) is what joins; signing up with the address alone does not.
    const joined = await t.signup(email);
    expect((await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data[2]).toMatchObject({ user_id: null, status: 'invited' });
    const link = (await t.api('POST', `/api/workspace/members/${encodeURIComponent(email)}/invitation-link`, undefined, owner.key)).json().url as string;
    const accepted = await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token: link.split('/').pop(), password: PASSWORD } });
    expect(accepted.status, accepted.text).toBe(200);
    list = (await t.api('GET', '/api/workspace/members', undefined, owner.key)).json();
    expect(list.data).toHaveLength(3);
    expect(list.data[2]).toMatchObject({ user_id: joined.userId, email, role: 'viewer', status: 'active' });
    // The invitee still has their own workspace, where they are the owner, and a default session there…
    expect(joined.workspaceId).not.toBe(owner.workspaceId);
    const ownList = (await t.api('GET', '/api/workspace/members', undefined, joined.key)).json().data;
    expect(ownList).toEqual([expect.objectContaining({ user_id: joined.userId, role: 'owner' })]);
    const session = await login(email);
    expect((await session('GET', '/api/workspace')).json().id).toBe(joined.workspaceId);
    // …and can open a session on the workspace that invited them.
    const there = await login(email, owner.workspaceId);
    expect((await there('GET', '/api/workspace')).json().id).toBe(owner.workspaceId);
    const stranger = await t.signup();
    const refused = await http(t.url, 'POST', '/api/auth/login', { body: { email: stranger.email, password: PASSWORD, workspace_id: owner.workspaceId } });
    expect(refused.status).toBe(403);

    // member.added once per person: on the invitation, not again on joining (issue 21 item 18).
    const events = await expectValidEvents(t, owner.key, ['member.added']);
    const addedEvents = events.filter((e) => e.type === 'member.added').map((e) => e.data.member);
    expect(addedEvents.filter((m) => m.email === email)).toEqual([expect.objectContaining({ user_id: null, email, status: 'invited' })]);
    expect(addedEvents.filter((m) => m.email === existing.email)).toEqual([expect.objectContaining({ user_id: existing.userId, role: 'admin' })]);
  });

  it('keeps members read-only and lets owners and admins manage', async () => {
    const owner = await t.signup();
    const member = await t.signup();
    const admin = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: member.email, role: 'member' }, owner.key);
    await t.api('POST', '/api/workspace/members', { email: admin.email, role: 'admin' }, owner.key);
    const asMember = await login(member.email, owner.workspaceId);
    const asAdmin = await login(admin.email, owner.workspaceId);

    for (const [method, path, body] of [
      ['POST', '/api/domains', { hostname: 'member.lw.test' }],
      ['POST', '/api/workspace/api-keys', { name: 'mine' }],
      ['POST', '/api/workspace/members', { email: 'someone@example.com', role: 'member' }],
      ['PATCH', `/api/workspace/members/${member.userId}`, { role: 'admin' }],
      ['DELETE', `/api/workspace/members/${admin.userId}`, undefined],
      ['POST', '/api/integrations', { type: 'slack', name: 'x', settings: {} }],
      ['POST', '/api/links', { url: 'https://x.example' }],
      ['PATCH', '/api/workspace', { name: 'mine now' }],
    ] as const) {
      const res = await asMember(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    for (const path of ['/api/workspace/members', '/api/workspace/api-keys', '/api/domains', '/api/integrations', '/api/links', '/api/events']) {
      expect((await asMember('GET', path)).status, path).toBe(200);
    }

    expect((await asAdmin('POST', '/api/domains', { hostname: `admin-${dialect}.lw.test` })).status).toBe(201);
    expect((await asAdmin('POST', '/api/integrations', { type: 'zapier', name: 'Zap', settings: {} })).status).toBe(201);
    const adminKey = await asAdmin('POST', '/api/workspace/api-keys', { name: 'admin key' });
    expect(adminKey.status).toBe(201);
    // Only owners make or touch owners.
    expect((await asAdmin('POST', '/api/workspace/members', { email: 'boss@example.com', role: 'owner' })).status).toBe(403);
    expect((await asAdmin('PATCH', `/api/workspace/members/${member.userId}`, { role: 'owner' })).status).toBe(403);
    expect((await asAdmin('PATCH', `/api/workspace/members/${owner.userId}`, { role: 'member' })).status).toBe(403);
    expect((await asAdmin('DELETE', `/api/workspace/members/${owner.userId}`)).status).toBe(403);
    expect((await t.api('PATCH', `/api/workspace/members/${owner.userId}`, { role: 'admin' }, adminKey.json().key)).status).toBe(403);
    // Admins manage the rest.
    const promoted = await asAdmin('PATCH', `/api/workspace/members/${member.userId}`, { role: 'admin' });
    expect(promoted.status).toBe(200);
    expect(promoted.json()).toMatchObject({ user_id: member.userId, role: 'admin' });
    const events = await expectValidEvents(t, owner.key, ['member.role_changed']);
    const changed = events.find((e) => e.type === 'member.role_changed');
    expect(changed.data).toMatchObject({ member: { user_id: member.userId, role: 'admin' }, previous_role: 'viewer' });
    // The same role again is a no-op.
    await asAdmin('PATCH', `/api/workspace/members/${member.userId}`, { role: 'admin' });
    expect((await t.api('GET', '/api/events?type=member.role_changed', undefined, owner.key)).json().data).toHaveLength(1);
  });

  it('never leaves a workspace without an owner', async () => {
    const owner = await t.signup();
    const other = await t.signup();
    const self = await t.api('PATCH', `/api/workspace/members/${owner.userId}`, { role: 'admin' }, owner.key);
    expect(self.status).toBe(409);
    expect(self.json().error.message).toMatch(/owner/);
    const leave = await t.api('DELETE', `/api/workspace/members/${owner.userId}`, undefined, owner.key);
    expect(leave.status).toBe(409);
    expect(leave.json().error.message).toMatch(/last owner/);

    await t.api('POST', '/api/workspace/members', { email: other.email, role: 'owner' }, owner.key);
    const demoted = await t.api('PATCH', `/api/workspace/members/${owner.userId}`, { role: 'member' }, owner.key);
    expect(demoted.status).toBe(200);
    // The demoted owner's key now acts as a member: read-only.
    expect((await t.api('POST', '/api/domains', { hostname: `demoted-${dialect}.lw.test` }, owner.key)).status).toBe(403);
    expect((await t.api('POST', '/api/workspace/api-keys', { name: 'k' }, owner.key)).status).toBe(403);
    expect((await t.api('GET', '/api/workspace/members', undefined, owner.key)).status).toBe(200);
    const asOther = await login(other.email, owner.workspaceId);
    expect((await asOther('DELETE', `/api/workspace/members/${other.userId}`)).status).toBe(409);
    expect((await asOther('PATCH', `/api/workspace/members/${other.userId}`, { role: 'admin' })).status).toBe(409);
    // A member may leave on their own.
    expect((await t.api('DELETE', `/api/workspace/members/${owner.userId}`, undefined, owner.key)).status).toBe(204);
    expect((await t.api('GET', '/api/workspace', undefined, owner.key)).status).toBe(401);
  });

  it("cuts a removed member's sessions and keys off the workspace", async () => {
    const owner = await t.signup();
    const admin = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: admin.email, role: 'admin' }, owner.key);
    const session = await login(admin.email, owner.workspaceId);
    const key = (await session('POST', '/api/workspace/api-keys', { name: 'admin key' })).json().key as string;
    expect((await t.api('GET', '/api/workspace', undefined, key)).json().id).toBe(owner.workspaceId);

    const removed = await t.api('DELETE', `/api/workspace/members/${admin.userId}`, undefined, owner.key);
    expect(removed.status).toBe(204);
    expect((await session('GET', '/api/workspace')).status).toBe(401);
    expect((await t.api('GET', '/api/workspace', undefined, key)).status).toBe(401);
    // Their own workspace is untouched.
    expect((await t.api('GET', '/api/workspace', undefined, admin.key)).json().id).toBe(admin.workspaceId);
    expect((await t.api('DELETE', `/api/workspace/members/${admin.userId}`, undefined, owner.key)).status).toBe(404);

    const events = await expectValidEvents(t, owner.key, ['member.removed']);
    expect(events.find((e) => e.type === 'member.removed').data.member).toMatchObject({ user_id: admin.userId, role: 'admin' });
  });

  it('changes and cancels pending invites by email', async () => {
    const owner = await t.signup();
    const email = `pending-${dialect}-${Date.now()}@example.com`;
    await t.api('POST', '/api/workspace/members', { email, role: 'member' }, owner.key);
    const changed = await t.api('PATCH', `/api/workspace/members/${encodeURIComponent(email)}`, { role: 'admin' }, owner.key);
    expect(changed.status).toBe(200);
    expect(changed.json()).toMatchObject({ user_id: null, email, role: 'admin' });
    const link = (await t.api('POST', `/api/workspace/members/${encodeURIComponent(email)}/invitation-link`, undefined, owner.key)).json().url as string;
    expect((await t.api('DELETE', `/api/workspace/members/${encodeURIComponent(email.toUpperCase())}`, undefined, owner.key)).status).toBe(204);
    expect((await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data).toHaveLength(1);
    // A cancelled invitation's link no longer works.
    expect((await http(t.url, 'POST', '/api/auth/accept-invite', { body: { token: link.split('/').pop(), password: PASSWORD } })).status).toBe(400);
    expect((await t.api('GET', '/api/workspace/members', undefined, owner.key)).json().data).toHaveLength(1);
    await expectValidEvents(t, owner.key, ['member.added', 'member.role_changed', 'member.removed']);
  });

  it("answers 404 for another workspace's members", async () => {
    const a = await t.signup();
    const b = await t.signup();
    const c = await t.signup();
    await t.api('POST', '/api/workspace/members', { email: c.email, role: 'member' }, a.key);
    for (const [method, path, body] of [
      ['PATCH', `/api/workspace/members/${c.userId}`, { role: 'admin' }],
      ['DELETE', `/api/workspace/members/${c.userId}`, undefined],
      ['PATCH', `/api/workspace/members/${a.userId}`, { role: 'member' }],
      ['DELETE', `/api/workspace/members/${encodeURIComponent(c.email)}`, undefined],
    ] as const) {
      const res = await t.api(method, path, body, b.key);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    const list = (await t.api('GET', '/api/workspace/members', undefined, b.key)).json().data;
    expect(list.map((m: any) => m.user_id)).toEqual([b.userId]);
    expect((await t.api('GET', '/api/workspace/members', undefined, a.key)).json().data).toHaveLength(2);
  });

  it('paginates members', async () => {
    const owner = await t.signup();
    for (let i = 0; i < 4; i++) await t.api('POST', '/api/workspace/members', { email: `page${i}-${dialect}-${Date.now()}@example.com`, role: 'member' }, owner.key);
    const first = (await t.api('GET', '/api/workspace/members?limit=3', undefined, owner.key)).json();
    expect(first.data).toHaveLength(3);
    const second = (await t.api('GET', `/api/workspace/members?limit=3&cursor=${first.next_cursor}`, undefined, owner.key)).json();
    expect(second.data).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    expect(new Set([...first.data, ...second.data].map((m: any) => m.email)).size).toBe(5);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/accounts/tokens.js';
import { parseCidrList } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/*
 * Only loopback, ever: active webhooks point at 127.0.0.1 (allowed by the app's config), whose
 * port 9 answers nothing; webhooks with a public hostname are created paused, so a delivery
 * engine running in the same app never resolves or dials them.
 */
const HOOK = 'https://127.0.0.1:9/hook';
const PUBLIC_HOOK = 'https://hooks.example.com/x';
const SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

function secretBytes(secret: string): number {
  return Buffer.from(SECRET.exec(secret)![1]!, 'base64').length;
}

describe.each(DIALECTS)('webhooks API on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let workspaceId: string;

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: parseCidrList('127.0.0.1/32') } });
    ({ key, workspaceId } = await t.signup());
    // Many tests create webhooks here; the plan limit has its own test in its own workspace.
    // Plans are the operators' to change (LINKWIRE_ADMIN_EMAILS); the test acts as one.
    expect((await t.app.accounts.setPlan(workspaceId, 'enterprise')).plan).toBe('enterprise');
  });
  afterAll(async () => t?.close());

  const create = (body: Record<string, unknown>, token = key) => t.api('POST', '/api/webhooks', { name: 'Hook', url: HOOK, events: ['link.clicked'], ...body }, token);
  const listIds = async (token = key): Promise<string[]> =>
    (await t.api('GET', '/api/webhooks?limit=100', undefined, token)).json().data.map((w: { id: string }) => w.id);
  const row = (id: string) => t.storage.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const newLink = async (token = key): Promise<string> => {
    const res = await t.api('POST', '/api/links', { url: 'https://example.com/page' }, token);
    expect(res.status).toBe(201);
    return res.json().id as string;
  };
  /** A fresh workspace, so plan limits of the shared one do not interfere. */
  const freshWorkspace = async (plan = 'enterprise') => {
    const account = await t.signup();
    expect((await t.app.accounts.setPlan(account.workspaceId, plan)).plan).toBe(plan);
    return account;
  };

  it('creates a webhook with defaults and shows its secret only once', async () => {
    const res = await create({ name: 'Clicks', events: ['link.clicked', 'qr.scanned'] });
    expect(res.status).toBe(201);
    const created = res.json();
    expect(created.id).toMatch(/^wh_[0-9a-z]{26}$/);
    expect(created.secret).toMatch(SECRET);
    expect(secretBytes(created.secret)).toBeGreaterThanOrEqual(24);
    expect(secretBytes(created.secret)).toBeLessThanOrEqual(32);
    expect(created).toMatchObject({
      name: 'Clicks',
      url: HOOK,
      events: ['link.clicked', 'qr.scanned'],
      link_ids: [],
      filter: null,
      active: true,
      timeout_ms: 10_000,
      retry: { mode: 'exponential' },
      format: 'standard',
      headers: {},
      disabled_at: null,
      disabled_reason: null,
    });
    expect(created.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const fetched = await t.api('GET', `/api/webhooks/${created.id}`, undefined, key);
    expect(fetched.status).toBe(200);
    const { secret, ...withoutSecret } = created;
    expect(fetched.json()).toEqual(withoutSecret);
    expect(fetched.text).not.toContain(secret);
    const list = await t.api('GET', '/api/webhooks', undefined, key);
    expect(list.json().data.find((w: { id: string }) => w.id === created.id)).toEqual(withoutSecret);
    expect(list.text).not.toContain('whsec_');
    expect((await row(created.id)).secret).toBe(secret);
  });

  it('stores every optional field as given', async () => {
    const link = await newLink();
    const res = await create({
      url: 'http://127.0.0.1:9/plain',
      events: ['*'],
      link_ids: [link, link],
      filter: 'data.click.country in [US, CA] and data.click.bot = false',
      active: false,
      timeout_ms: 1000,
      retry: { mode: 'exponential', schedule_s: [10, 60] },
      format: 'slack',
      headers: { Authorization: 'Bearer abc', 'X-Team': 'growth' },
    });
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({
      url: 'http://127.0.0.1:9/plain',
      events: ['*'],
      link_ids: [link],
      filter: 'data.click.country in [US, CA] and data.click.bot = false',
      active: false,
      timeout_ms: 1000,
      retry: { mode: 'exponential', schedule_s: [10, 60] },
      format: 'slack',
      // Custom header values are write-only: reads mask them; the row keeps them.
      headers: { Authorization: '••••', 'X-Team': '••••' },
    });
    expect(JSON.parse((await row(res.json().id)).headers)).toEqual({ Authorization: 'Bearer abc', 'X-Team': 'growth' });
    const none = await create({ retry: { mode: 'none' }, format: 'discord', timeout_ms: 30_000, active: false });
    expect(none.json()).toMatchObject({ retry: { mode: 'none' }, format: 'discord', timeout_ms: 30_000 });
    await t.api('DELETE', `/api/webhooks/${res.json().id}`, undefined, key);
    await t.api('DELETE', `/api/webhooks/${none.json().id}`, undefined, key);
  });

  it('answers 400 INVALID_EVENTS naming every bad event, and accepts ["*"]', async () => {
    const bad = await create({ events: ['click', 'link.clicked', 'link.*', 'nope'] });
    expect(bad.status).toBe(400);
    const error = bad.json().error;
    expect(error.code).toBe('INVALID_EVENTS');
    expect(error.details.invalid).toEqual(['click', 'link.*', 'nope']);
    for (const name of ['click', 'link.*', 'nope']) expect(error.message).toContain(`"${name}"`);

    for (const events of [[], ['link'], ['*', 'link.clicked'], ['LINK.CLICKED']]) {
      const res = await create({ events });
      expect(res.status, JSON.stringify(events)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_EVENTS');
    }
    const all = await create({ events: ['*'], active: false });
    expect(all.status).toBe(201);
    expect(all.json().events).toEqual(['*']);
    await t.api('DELETE', `/api/webhooks/${all.json().id}`, undefined, key);
  });

  it('answers 400 VALIDATION_ERROR with the position for a filter syntax error', async () => {
    const res = await create({ filter: 'data.click.country in [US, CA' });
    expect(res.status).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toMatch(/^filter: /);
    expect(typeof error.details.position).toBe('number');
    expect(error.details.field).toBe('filter');
  });

  it('rejects bad input with a 400 and creates nothing', async () => {
    const before = await listIds();
    const cases: [Record<string, unknown>, string][] = [
      [{ unknown_field: 1 }, 'VALIDATION_ERROR'],
      [{ name: '' }, 'VALIDATION_ERROR'],
      [{ name: '   ' }, 'VALIDATION_ERROR'],
      [{ events: 'link.clicked' }, 'VALIDATION_ERROR'],
      [{ timeout_ms: 999 }, 'VALIDATION_ERROR'],
      [{ timeout_ms: 30_001 }, 'VALIDATION_ERROR'],
      [{ timeout_ms: '5000' }, 'VALIDATION_ERROR'],
      [{ retry: { mode: 'linear' } }, 'VALIDATION_ERROR'],
      [{ retry: { mode: 'none', schedule_s: [1] } }, 'VALIDATION_ERROR'],
      [{ format: 'teams' }, 'VALIDATION_ERROR'],
      [{ active: 'yes' }, 'VALIDATION_ERROR'],
      [{ link_ids: ['lnk_00000000000000000000000000'] }, 'VALIDATION_ERROR'],
      [{ headers: { 'Content-Type': 'text/plain' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'content-length': '1' } }, 'VALIDATION_ERROR'],
      [{ headers: { Host: 'evil.example' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'User-Agent': 'x' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'Webhook-Signature': 'v1,forged' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'X-Linkwire-Event': 'x' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'bad header': 'x' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'X-Split': 'a\r\nX-Injected: 1' } }, 'VALIDATION_ERROR'],
      [{ headers: { 'X-Long': 'v'.repeat(1001) } }, 'VALIDATION_ERROR'],
      [{ headers: { 'X-Num': 5 } }, 'VALIDATION_ERROR'],
      [{ headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])) }, 'VALIDATION_ERROR'],
      [{ url: 'ftp://127.0.0.1/x' }, 'INVALID_URL'],
      [{ events: ['click'], url: 'https://localhost/' }, 'INVALID_EVENTS'],
    ];
    for (const [body, code] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
      expect(res.json().error.message).toBeTruthy();
    }
    const names = await create({ headers: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v'.repeat(1000)])), active: false });
    expect(names.status).toBe(201);
    await t.api('DELETE', `/api/webhooks/${names.json().id}`, undefined, key);

    for (const raw of ['{"name":', '[1,2]', '"text"']) {
      const res = await fetch(`${t.url}/api/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: raw });
      expect(res.status, raw).toBe(400);
    }
    expect(await listIds()).toEqual(before);
  });

  it('allows private targets only inside LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS', async () => {
    // (A hostname with http:// is resolved at creation: see webhook-http-names.test.ts.)
    for (const url of ['https://127.0.0.2/x', 'http://127.0.0.2/x', 'https://10.0.0.1/x', 'http://[::1]/x']) {
      const res = await create({ url, active: false });
      expect(res.status, url).toBe(400);
      expect(res.json().error.code).toBe('INVALID_URL');
    }
  });

  it('enforces the plan limit: 403 LIMIT_REACHED, and a downgrade keeps existing webhooks but blocks new ones', async () => {
    const account = await t.signup();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await create({ name: `hook ${i}` }, account.key);
      expect(res.status).toBe(201);
      made.push(res.json().id);
    }
    const sixth = await create({ name: 'one too many' }, account.key);
    expect(sixth.status).toBe(403);
    expect(sixth.json().error.code).toBe('LIMIT_REACHED');
    expect(sixth.json().error.details).toMatchObject({ plan: 'pro', limit: 5, count: 5 });
    const link = await newLink(account.key);
    const viaLink = await t.api('POST', `/api/links/${link}/webhooks`, { name: 'x', url: HOOK, events: ['link.clicked'] }, account.key);
    expect(viaLink.status).toBe(403);

    expect((await t.app.accounts.setPlan(account.workspaceId, 'free')).plan).toBe('free');
    expect((await listIds(account.key)).sort()).toEqual([...made].sort());
    expect((await t.api('GET', `/api/webhooks/${made[0]}`, undefined, account.key)).status).toBe(200);
    const patched = await t.api('PATCH', `/api/webhooks/${made[0]}`, { name: 'still editable' }, account.key);
    expect(patched.status).toBe(200);
    expect((await t.api('DELETE', `/api/webhooks/${made[1]}`, undefined, account.key)).status).toBe(204);
    const refused = await create({}, account.key);
    expect(refused.status).toBe(403);
    expect(refused.json().error.code).toBe('LIMIT_REACHED');
    expect(refused.json().error.details).toMatchObject({ plan: 'free', limit: 0, count: 4 });

    expect((await t.app.accounts.setPlan(account.workspaceId, 'enterprise')).plan).toBe('enterprise');
    for (let i = 0; i < 3; i++) expect((await create({ active: false }, account.key)).status).toBe(201);
    expect(await listIds(account.key)).toHaveLength(7);
  });

  it('lists webhooks newest first with cursor pagination', async () => {
    const account = await freshWorkspace();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ name: `p${i}` }, account.key)).json().id);
    const first = (await t.api('GET', '/api/webhooks?limit=2', undefined, account.key)).json();
    expect(first.data.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await t.api('GET', `/api/webhooks?limit=2&cursor=${first.next_cursor}`, undefined, account.key)).json();
    expect(second).toEqual({ data: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
    expect((await t.api('GET', '/api/webhooks?cursor=garbage', undefined, account.key)).status).toBe(400);
    expect((await t.api('GET', '/api/webhooks?limit=0', undefined, account.key)).status).toBe(400);
  });

  it('re-validates a PATCH and changes nothing when it is refused', async () => {
    const created = (await create({ name: 'Patch me', headers: { 'X-A': '1' } })).json();
    const { secret: _secret, ...original } = created;
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'VALIDATION_ERROR'],
      [{ events: ['click'] }, 'INVALID_EVENTS'],
      [{ events: [] }, 'INVALID_EVENTS'],
      [{ url: 'https://localhost/hook' }, 'INVALID_URL'],
      [{ url: 'https://[::1]/hook' }, 'INVALID_URL'],
      [{ filter: 'data.link.tags contains' }, 'VALIDATION_ERROR'],
      [{ timeout_ms: 50_000 }, 'VALIDATION_ERROR'],
      [{ headers: { 'Webhook-Id': 'x' } }, 'VALIDATION_ERROR'],
      [{ link_ids: ['lnk_nope'] }, 'VALIDATION_ERROR'],
      [{ name: 'fine', secret: 'whsec_AAAA' }, 'VALIDATION_ERROR'],
      [{ name: 'fine', events: ['link.nope'] }, 'INVALID_EVENTS'],
    ];
    for (const [body, code] of bad) {
      const res = await t.api('PATCH', `/api/webhooks/${created.id}`, body, key);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
    }
    expect((await t.api('GET', `/api/webhooks/${created.id}`, undefined, key)).json()).toEqual(original);

    const link = await newLink();
    const res = await t.api('PATCH', `/api/webhooks/${created.id}`, {
      name: 'Patched',
      events: ['*'],
      filter: 'data.link.tags contains launch',
      timeout_ms: 5000,
      format: 'discord',
      retry: { mode: 'none' },
      headers: {},
      link_ids: [link],
    }, key);
    expect(res.status).toBe(200);
    const patched = res.json();
    expect(patched).toMatchObject({ name: 'Patched', events: ['*'], filter: 'data.link.tags contains launch', timeout_ms: 5000, format: 'discord', retry: { mode: 'none' }, headers: {}, link_ids: [link], url: HOOK });
    expect(patched.secret).toBeUndefined();
    expect(Date.parse(patched.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect((await t.api('GET', `/api/webhooks/${created.id}`, undefined, key)).json()).toEqual(patched);

    const cleared = (await t.api('PATCH', `/api/webhooks/${created.id}`, { filter: null, link_ids: [] }, key)).json();
    expect(cleared).toMatchObject({ filter: null, link_ids: [] });
    expect((await t.api('PATCH', `/api/webhooks/${created.id}`, { filter: '' }, key)).json().filter).toBeNull();
    expect((await t.api('PATCH', '/api/webhooks/wh_00000000000000000000000000', { name: 'x' }, key)).status).toBe(404);
  });

  it('pauses with active: false and clears the auto-disable state when switched back on', async () => {
    const created = (await create({ name: 'Flaky' })).json();
    const paused = await t.api('PATCH', `/api/webhooks/${created.id}`, { active: false }, key);
    expect(paused.json()).toMatchObject({ active: false, disabled_at: null, disabled_reason: null });

    // What the delivery engine does when an endpoint keeps failing.
    const disabledAt = Date.now() - 1000;
    await t.storage.db
      .updateTable('webhooks')
      .set({ active: 0, disabled_at: disabledAt, disabled_reason: 'failed 50 deliveries in a row', consecutive_failures: 50, failing_since: disabledAt - 86_400_000 })
      .where('id', '=', created.id)
      .execute();
    const shown = (await t.api('GET', `/api/webhooks/${created.id}`, undefined, key)).json();
    expect(shown).toMatchObject({ active: false, disabled_at: new Date(disabledAt).toISOString(), disabled_reason: 'failed 50 deliveries in a row' });

    const renamed = await t.api('PATCH', `/api/webhooks/${created.id}`, { name: 'Still off' }, key);
    expect(renamed.json()).toMatchObject({ active: false, disabled_reason: 'failed 50 deliveries in a row' });

    const on = await t.api('PATCH', `/api/webhooks/${created.id}`, { active: true }, key);
    expect(on.status).toBe(200);
    expect(on.json()).toMatchObject({ active: true, disabled_at: null, disabled_reason: null });
    expect(await row(created.id)).toMatchObject({ active: 1, disabled_at: null, disabled_reason: null, consecutive_failures: 0, failing_since: null });
  });

  it('rotates the secret, keeping the previous one only during a grace period', async () => {
    const created = (await create({ name: 'Rotating' })).json();
    const first = await t.api('POST', `/api/webhooks/${created.id}/rotate-secret`, undefined, key);
    expect(first.status).toBe(200);
    expect(Object.keys(first.json())).toEqual(['secret']);
    const s1 = first.json().secret as string;
    expect(s1).toMatch(SECRET);
    expect(s1).not.toBe(created.secret);
    expect(await row(created.id)).toMatchObject({ secret: s1, previous_secret: null, previous_secret_expires_at: null });

    const before = Date.now();
    const second = await t.api('POST', `/api/webhooks/${created.id}/rotate-secret`, { grace_period_s: 3600 }, key);
    expect(second.status).toBe(200);
    const s2 = second.json().secret as string;
    expect(s2).not.toBe(s1);
    const graced = await row(created.id);
    expect(graced.secret).toBe(s2);
    expect(graced.previous_secret).toBe(s1);
    expect(Number(graced.previous_secret_expires_at)).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(Number(graced.previous_secret_expires_at)).toBeLessThanOrEqual(Date.now() + 3_600_000);

    const third = await t.api('POST', `/api/webhooks/${created.id}/rotate-secret`, { grace_period_s: 0 }, key);
    expect(await row(created.id)).toMatchObject({ secret: third.json().secret, previous_secret: null, previous_secret_expires_at: null });

    for (const body of [{ grace_period_s: 7 * 86_400 + 1 }, { grace_period_s: -1 }, { grace_period_s: '60' }, { grace: 60 }]) {
      const res = await t.api('POST', `/api/webhooks/${created.id}/rotate-secret`, body, key);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await row(created.id)).secret).toBe(third.json().secret);
    expect((await t.api('POST', `/api/webhooks/${created.id}/rotate-secret`, { grace_period_s: 7 * 86_400 }, key)).status).toBe(200);
    expect((await t.api('POST', '/api/webhooks/wh_00000000000000000000000000/rotate-secret', {}, key)).status).toBe(404);
  });

  it('deletes a webhook with its link rows and fails its pending deliveries', async () => {
    const link = await newLink();
    const created = (await create({ name: 'Doomed', link_ids: [link], active: false })).json();
    const far = Date.now() + 86_400_000;
    const delivery = (id: string, status: string) => ({
      id,
      workspace_id: workspaceId,
      webhook_id: created.id,
      event_id: `evt_${id.slice(4)}`,
      event_type: 'link.clicked',
      status,
      attempts_count: status === 'pending' ? 1 : 2,
      next_attempt_at: status === 'pending' ? far : null,
      lease_until: null,
      lease_owner: null,
      is_test: 0,
      body: null,
      created_at: Date.now(),
      updated_at: Date.now(),
    });
    await t.storage.db
      .insertInto('deliveries')
      .values([delivery('dlv_0000000000000000000000000p', 'pending'), delivery('dlv_0000000000000000000000000s', 'succeeded')])
      .execute();

    const res = await t.api('DELETE', `/api/webhooks/${created.id}`, undefined, key);
    expect(res.status).toBe(204);
    expect((await t.api('GET', `/api/webhooks/${created.id}`, undefined, key)).status).toBe(404);
    expect((await t.api('DELETE', `/api/webhooks/${created.id}`, undefined, key)).status).toBe(404);
    expect(await t.storage.db.selectFrom('webhook_links').selectAll().where('webhook_id', '=', created.id).execute()).toEqual([]);
    const statuses = await t.storage.db.selectFrom('deliveries').select(['id', 'status', 'next_attempt_at']).where('webhook_id', '=', created.id).orderBy('id').execute();
    expect(statuses).toEqual([
      { id: 'dlv_0000000000000000000000000p', status: 'failed', next_attempt_at: null },
      { id: 'dlv_0000000000000000000000000s', status: 'succeeded', next_attempt_at: null },
    ]);
  });

  it('serves link-level webhooks under /api/links/:id/webhooks', async () => {
    const l1 = await newLink();
    const l2 = await newLink();
    const own = await t.api('POST', `/api/links/${l1}/webhooks`, { name: 'L1 clicks', url: HOOK, events: ['link.clicked'] }, key);
    expect(own.status).toBe(201);
    expect(own.json()).toMatchObject({ link_ids: [l1], events: ['link.clicked'] });
    expect(own.json().secret).toMatch(SECRET);
    expect((await t.api('POST', `/api/links/${l1}/webhooks`, { name: 'x', url: HOOK, events: ['link.clicked'], link_ids: [l2] }, key)).status).toBe(400);
    expect((await t.api('POST', `/api/links/${l1}/webhooks`, { name: 'x', url: HOOK, events: ['click'] }, key)).json().error.code).toBe('INVALID_EVENTS');
    expect((await t.api('POST', '/api/links/lnk_00000000000000000000000000/webhooks', { name: 'x', url: HOOK, events: ['link.clicked'] }, key)).status).toBe(404);

    const both = (await create({ name: 'Both', link_ids: [l2, l1] })).json();
    expect(both.link_ids).toEqual([l1, l2].sort());
    const workspaceWide = (await create({ name: 'All links' })).json();

    const listed = await t.api('GET', `/api/links/${l1}/webhooks`, undefined, key);
    expect(listed.status).toBe(200);
    expect(listed.json().data.map((w: { id: string }) => w.id)).toEqual([both.id, own.json().id]);
    expect(listed.json().next_cursor).toBeNull();
    expect(listed.text).not.toContain('whsec_');
    const paged = (await t.api('GET', `/api/links/${l1}/webhooks?limit=1`, undefined, key)).json();
    expect(paged.data).toHaveLength(1);
    expect(paged.next_cursor).toEqual(expect.any(String));
    expect((await t.api('GET', '/api/links/lnk_00000000000000000000000000/webhooks', undefined, key)).status).toBe(404);

    expect((await t.api('DELETE', `/api/links/${l1}/webhooks/${workspaceWide.id}`, undefined, key)).status).toBe(404);
    expect((await t.api('DELETE', `/api/links/${l1}/webhooks/wh_00000000000000000000000000`, undefined, key)).status).toBe(404);

    expect((await t.api('DELETE', `/api/links/${l1}/webhooks/${both.id}`, undefined, key)).status).toBe(204);
    expect((await t.api('GET', `/api/webhooks/${both.id}`, undefined, key)).json().link_ids).toEqual([l2]);
    expect((await t.api('DELETE', `/api/links/${l1}/webhooks/${both.id}`, undefined, key)).status).toBe(404);
    expect((await t.api('DELETE', `/api/links/${l2}/webhooks/${both.id}`, undefined, key)).status).toBe(204);
    expect((await t.api('GET', `/api/webhooks/${both.id}`, undefined, key)).status).toBe(404);

    expect((await t.api('DELETE', `/api/links/${l1}/webhooks/${own.json().id}`, undefined, key)).status).toBe(204);
    expect((await t.api('GET', `/api/links/${l1}/webhooks`, undefined, key)).json().data).toEqual([]);
    expect((await t.api('GET', `/api/webhooks/${workspaceWide.id}`, undefined, key)).json().link_ids).toEqual([]);
    await t.api('DELETE', `/api/webhooks/${workspaceWide.id}`, undefined, key);
  });

  it('isolates workspaces: another workspace gets 404 and cannot attach foreign links', async () => {
    const link = await newLink();
    const mine = (await create({ name: 'A only', link_ids: [link] })).json();
    const { secret: _secret, ...original } = mine;
    const other = await freshWorkspace();

    for (const [method, path, body] of [
      ['GET', `/api/webhooks/${mine.id}`, undefined],
      ['PATCH', `/api/webhooks/${mine.id}`, { name: 'hijacked' }],
      ['DELETE', `/api/webhooks/${mine.id}`, undefined],
      ['POST', `/api/webhooks/${mine.id}/rotate-secret`, { grace_period_s: 60 }],
      ['GET', `/api/links/${link}/webhooks`, undefined],
      ['POST', `/api/links/${link}/webhooks`, { name: 'x', url: HOOK, events: ['link.clicked'] }],
      ['DELETE', `/api/links/${link}/webhooks/${mine.id}`, undefined],
    ] as const) {
      const res = await t.api(method, path, body, other.key);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    const foreign = await create({ link_ids: [link] }, other.key);
    const missing = await create({ link_ids: ['lnk_00000000000000000000000000'] }, other.key);
    expect(foreign.status).toBe(400);
    expect(foreign.json().error.message).toBe(missing.json().error.message.replace('lnk_00000000000000000000000000', link));
    expect(await listIds(other.key)).toEqual([]);

    const theirs = (await create({ name: 'B' }, other.key)).json();
    expect((await t.api('PATCH', `/api/webhooks/${theirs.id}`, { link_ids: [link] }, other.key)).status).toBe(400);
    expect(await listIds()).not.toContain(theirs.id);
    expect((await t.api('GET', `/api/webhooks/${theirs.id}`, undefined, key)).status).toBe(404);

    expect((await t.api('GET', `/api/webhooks/${mine.id}`, undefined, key)).json()).toEqual(original);
    expect((await row(mine.id)).secret).toBe(mine.secret);
  });

  it('lets members read webhooks but only owners and admins change them', async () => {
    const created = (await create({ name: 'Team hook' })).json();
    const memberKey = 'lw_live_member-key-for-webhook-tests';
    const userId = `usr_${'m'.repeat(26)}`;
    await t.storage.db.insertInto('users').values({ id: userId, email: `member-${dialect}@example.com`, password_hash: 'x', created_at: Date.now() }).execute();
    await t.storage.db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: userId, role: 'member', added_at: Date.now() }).execute();
    await t.storage.db
      .insertInto('api_keys')
      .values({ id: `key_${'m'.repeat(26)}`, workspace_id: workspaceId, name: 'member', key_hash: hashToken(memberKey), key_prefix: 'lw_live_memb', scopes: '[]', created_by: userId, created_at: Date.now(), last_used_at: null })
      .execute();

    expect((await t.api('GET', `/api/webhooks/${created.id}`, undefined, memberKey)).status).toBe(200);
    expect((await t.api('GET', '/api/webhooks', undefined, memberKey)).status).toBe(200);
    const link = await newLink();
    expect((await t.api('GET', `/api/links/${link}/webhooks`, undefined, memberKey)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/webhooks', { name: 'x', url: HOOK, events: ['link.clicked'] }],
      ['POST', '/api/webhooks', { bogus: true }],
      ['PATCH', `/api/webhooks/${created.id}`, { name: 'member was here' }],
      ['DELETE', `/api/webhooks/${created.id}`, undefined],
      ['POST', `/api/webhooks/${created.id}/rotate-secret`, undefined],
      ['POST', `/api/links/${link}/webhooks`, { name: 'x', url: HOOK, events: ['link.clicked'] }],
      ['DELETE', `/api/links/${link}/webhooks/${created.id}`, undefined],
    ] as const) {
      const res = await t.api(method, path, body, memberKey);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect((await row(created.id))).toMatchObject({ name: 'Team hook', secret: created.secret });
  });

  it('requires authentication', async () => {
    const res = await fetch(`${t.url}/api/webhooks`);
    expect(res.status).toBe(401);
  });
});

describe.each(DIALECTS)('webhook URL policy without an allow-list on %s', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('answers 400 INVALID_URL with the reason for unsafe or malformed URLs', async () => {
    const cases = [
      'http://hooks.example.com/x',
      'https://127.0.0.1/x',
      'https://127.0.0.1:9/hook',
      'https://[::1]/x',
      'https://localhost/x',
      'https://LOCALHOST./x',
      'https://10.1.2.3/x',
      'https://169.254.169.254/latest/meta-data',
      'https://0x7f000001/x',
      'https://user:pass@hooks.example.com/x',
      `https://hooks.example.com/${'a'.repeat(3000)}`,
      'not a url',
      'javascript:alert(1)',
    ];
    for (const url of cases) {
      const res = await t.api('POST', '/api/webhooks', { name: 'x', url, events: ['link.clicked'], active: false }, key);
      expect(res.status, url).toBe(400);
      const error = res.json().error;
      expect(error.code, url).toBe('INVALID_URL');
      expect(error.message, url).toMatch(/^url .+/);
      expect(error.details.reason).toEqual(expect.any(String));
    }
    expect((await t.api('GET', '/api/webhooks', undefined, key)).json().data).toEqual([]);
  });

  it('accepts a public HTTPS URL (created paused, so nothing ever dials it)', async () => {
    const res = await t.api('POST', '/api/webhooks', { name: 'Public', url: PUBLIC_HOOK, events: ['link.clicked'], active: false }, key);
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ url: PUBLIC_HOOK, active: false });
    const patched = await t.api('PATCH', `/api/webhooks/${res.json().id}`, { url: 'https://127.0.0.1/x' }, key);
    expect(patched.status).toBe(400);
    expect(patched.json().error.code).toBe('INVALID_URL');
    expect((await t.api('DELETE', `/api/webhooks/${res.json().id}`, undefined, key)).status).toBe(204);
  });
});

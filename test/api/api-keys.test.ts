import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual' });
  });
  afterAll(async () => t?.close());

  const createKey = async (owner: string, body: unknown) => t.api('POST', '/api/workspace/api-keys', body, owner);

  it('creates a key, shows the plaintext once and never in the event', async () => {
    const { key: owner } = await t.signup();
    const res = await createKey(owner, { name: 'CI deploys', scopes: ['links:write', 'links:write', 'events:read'] });
    expect(res.status).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ name: 'CI deploys', scopes: ['links:write', 'events:read'], last_used_at: null });
    expect(created.id).toMatch(/^key_[0-9a-z]{26}$/);
    expect(created.key).toMatch(/^lw_live_[A-Za-z0-9_-]{32}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.prefix.length).toBeLessThan(created.key.length);

    const list = (await t.api('GET', '/api/workspace/api-keys', undefined, owner)).json();
    expect(list.data).toHaveLength(2); // the signup's default key and this one
    expect(JSON.stringify(list)).not.toContain(created.key);
    const { key: _plaintext, ...stored } = created;
    expect(list.data[0]).toEqual(stored);
    expect((await t.api('GET', `/api/workspace/api-keys/${created.id}`, undefined, owner)).json()).toEqual(stored);

    const events = await expectValidEvents(t, owner, ['api_key.created']);
    const event = events.find((e) => e.type === 'api_key.created');
    expect(event.data.api_key).toEqual(stored);
    expect(JSON.stringify(events)).not.toContain(created.key);
    expect(JSON.stringify(events)).not.toContain(created.key.slice(created.prefix.length));
  });

  it('validates names and scopes', async () => {
    const { key: owner } = await t.signup();
    const unknown = await createKey(owner, { name: 'x', scopes: ['links:read', 'links:delete', 'root'] });
    expect(unknown.status).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'VALIDATION_ERROR', details: { invalid: ['links:delete', 'root'] } });
    for (const body of [{}, { name: '' }, { name: 'x', scopes: 'links:read' }, { name: 'x', extra: true }, { name: 'x'.repeat(101) }]) {
      expect((await createKey(owner, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await t.api('GET', '/api/workspace/api-keys', undefined, owner)).json().data).toHaveLength(1);
  });

  it('limits a scoped key to the routes its scopes cover', async () => {
    const { key: owner } = await t.signup();
    const readLinks = (await createKey(owner, { name: 'read links', scopes: ['links:read'] })).json().key;
    const writeLinks = (await createKey(owner, { name: 'write links', scopes: ['links:write'] })).json().key;
    const domains = (await createKey(owner, { name: 'domains', scopes: ['domains:write', 'webhooks:read'] })).json().key;

    expect((await t.api('GET', '/api/links', undefined, readLinks)).status).toBe(200);
    const denied = await t.api('POST', '/api/links', { url: 'https://x.example' }, readLinks);
    expect(denied.status).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'links:write' } });
    for (const path of ['/api/domains', '/api/events', '/api/workspace', '/api/workspace/members', '/api/workspace/api-keys', '/api/integrations', '/api/webhooks']) {
      expect((await t.api('GET', path, undefined, readLinks)).status, path).toBe(403);
    }
    // Refused before the body is looked at.
    expect((await t.api('POST', '/api/domains', { nonsense: true }, readLinks)).status).toBe(403);

    const link = await t.api('POST', '/api/links', { url: 'https://x.example' }, writeLinks);
    expect(link.status).toBe(201);
    expect((await t.api('GET', `/api/links/${link.json().id}`, undefined, writeLinks)).status).toBe(200);
    // Webhooks of a link are the webhooks area, not links.
    expect((await t.api('GET', `/api/links/${link.json().id}/webhooks`, undefined, writeLinks)).status).toBe(403);
    expect((await t.api('GET', `/api/links/${link.json().id}/webhooks`, undefined, domains)).status).toBe(200);

    expect((await t.api('POST', '/api/domains', { hostname: `scoped-${dialect}.lw.test` }, domains)).status).toBe(201);
    expect((await t.api('GET', '/api/domains', undefined, domains)).status).toBe(200);
    expect((await t.api('GET', '/api/webhooks', undefined, domains)).status).toBe(200);
    expect((await t.api('GET', '/api/links', undefined, domains)).status).toBe(403);
    // An empty scope list is the full access of the creator's role.
    expect((await t.api('GET', '/api/domains', undefined, owner)).status).toBe(200);
  });

  it('lets a scoped key hand out only scopes it holds', async () => {
    const { key: owner } = await t.signup();
    const limited = (await createKey(owner, { name: 'keys', scopes: ['api_keys:write', 'links:read'] })).json().key;
    expect((await createKey(limited, { name: 'full' })).status).toBe(403);
    expect((await createKey(limited, { name: 'wider', scopes: ['links:write'] })).status).toBe(403);
    const narrower = await createKey(limited, { name: 'narrower', scopes: ['links:read'] });
    expect(narrower.status).toBe(201);
    expect((await t.api('GET', '/api/links', undefined, narrower.json().key)).status).toBe(200);
  });

  it('revokes a key at once, and only within its workspace', async () => {
    const a = await t.signup();
    const b = await t.signup();
    const temp = (await createKey(a.key, { name: 'temporary' })).json();
    expect((await t.api('GET', '/api/workspace', undefined, temp.key)).status).toBe(200);
    for (const [method, path] of [
      ['GET', `/api/workspace/api-keys/${temp.id}`],
      ['DELETE', `/api/workspace/api-keys/${temp.id}`],
    ] as const) {
      const res = await t.api(method, path, undefined, b.key);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await t.api('GET', '/api/workspace/api-keys', undefined, b.key)).json().data).toHaveLength(1);
    expect((await t.api('GET', '/api/workspace', undefined, temp.key)).status).toBe(200);

    // A key may delete itself; its next call is 401.
    expect((await t.api('DELETE', `/api/workspace/api-keys/${temp.id}`, undefined, temp.key)).status).toBe(204);
    const after = await t.api('GET', '/api/workspace', undefined, temp.key);
    expect(after.status).toBe(401);
    expect(after.json().error.code).toBe('UNAUTHORIZED');
    expect((await t.api('DELETE', `/api/workspace/api-keys/${temp.id}`, undefined, a.key)).status).toBe(404);
  });

  it('records when a key was last used', async () => {
    const { key: owner } = await t.signup();
    const created = (await createKey(owner, { name: 'used' })).json();
    await t.api('GET', '/api/links', undefined, created.key);
    let lastUsed: string | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      lastUsed = (await t.api('GET', `/api/workspace/api-keys/${created.id}`, undefined, owner)).json().last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(lastUsed).toBe(new Date(t.clock.now()).toISOString());
  });
});

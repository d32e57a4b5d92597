import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { expectValidEvents } from '../helpers/event-schemas.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('integrations on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual' });
  });
  afterAll(async () => t?.close());

  it('connects every integration type and emits integration.connected', async () => {
    const { key } = await t.signup();
    const types = ['slack', 'zapier', 'make', 'segment', 'hubspot', 'custom'];
    const created = [];
    for (const type of types) {
      const res = await t.api('POST', '/api/integrations', { type, name: `My ${type}`, settings: { channel: '#growth', nested: { on: true, list: [1, 2] } } }, key);
      expect(res.status, type).toBe(201);
      created.push(res.json());
    }
    expect(created[0]).toEqual({
      id: expect.stringMatching(/^int_[0-9a-z]{26}$/),
      type: 'slack',
      name: 'My slack',
      settings: { channel: '#growth', nested: { on: true, list: [1, 2] } },
      created_at: new Date(t.clock.now()).toISOString(),
    });
    const noSettings = await t.api('POST', '/api/integrations', { type: 'custom', name: 'Bare' }, key);
    expect(noSettings.status).toBe(201);
    expect(noSettings.json().settings).toEqual({});

    const list = (await t.api('GET', '/api/integrations', undefined, key)).json();
    expect(list.data).toHaveLength(7);
    expect(list.data.at(-1)).toEqual(created[0]);
    expect((await t.api('GET', '/api/integrations?type=hubspot', undefined, key)).json().data).toEqual([created[4]]);
    expect((await t.api('GET', `/api/integrations/${created[1].id}`, undefined, key)).json()).toEqual(created[1]);
    const page = (await t.api('GET', '/api/integrations?limit=4', undefined, key)).json();
    expect(page.data).toHaveLength(4);
    expect((await t.api('GET', `/api/integrations?limit=4&cursor=${page.next_cursor}`, undefined, key)).json().data).toHaveLength(3);

    const events = await expectValidEvents(t, key, ['integration.connected']);
    const connected = events.filter((e) => e.type === 'integration.connected');
    expect(connected).toHaveLength(7);
    const { settings: _settings, ...announced } = created[0];
    expect(connected.at(-1).data.integration).toEqual(announced);
  });

  it('refuses unknown types and oversized or malformed settings', async () => {
    const { key } = await t.signup();
    const cases: [unknown, number][] = [
      [{ type: 'myspace', name: 'x', settings: {} }, 400],
      [{ type: 'slack', settings: {} }, 400],
      [{ type: 'slack', name: '', settings: {} }, 400],
      [{ type: 'slack', name: 'x', settings: [] }, 400],
      [{ type: 'slack', name: 'x', settings: 'token' }, 400],
      [{ type: 'slack', name: 'x', settings: null }, 400],
      [{ type: 'slack', name: 'x', settings: {}, extra: 1 }, 400],
      [{ type: 'slack', name: 'x', settings: { blob: 'x'.repeat(8 * 1024) } }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await t.api('POST', '/api/integrations', body, key);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    // Just under the limit is fine: {"blob":"…"} is 11 bytes of JSON around the value.
    expect((await t.api('POST', '/api/integrations', { type: 'custom', name: 'big', settings: { blob: 'x'.repeat(8 * 1024 - 11) } }, key)).status).toBe(201);
    expect((await t.api('GET', '/api/integrations', undefined, key)).json().data).toHaveLength(1);
  });

  it("disconnects, and answers 404 for another workspace's integrations", async () => {
    const a = await t.signup();
    const b = await t.signup();
    const integration = (await t.api('POST', '/api/integrations', { type: 'segment', name: 'Segment', settings: { write_key: 'abc' } }, a.key)).json();
    for (const [method, path] of [
      ['GET', `/api/integrations/${integration.id}`],
      ['DELETE', `/api/integrations/${integration.id}`],
    ] as const) {
      const res = await t.api(method, path, undefined, b.key);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await t.api('GET', '/api/integrations', undefined, b.key)).json().data).toEqual([]);
    expect((await t.api('GET', `/api/integrations/${integration.id}`, undefined, a.key)).status).toBe(200);

    expect((await t.api('DELETE', `/api/integrations/${integration.id}`, undefined, a.key)).status).toBe(204);
    expect((await t.api('GET', `/api/integrations/${integration.id}`, undefined, a.key)).status).toBe(404);
    expect((await t.api('DELETE', `/api/integrations/${integration.id}`, undefined, a.key)).status).toBe(404);
    expect((await t.api('GET', '/api/events?type=integration.connected', undefined, b.key)).json().data).toEqual([]);
  });

  it('needs the integrations scopes on a scoped key', async () => {
    const { key } = await t.signup();
    const reader = (await t.api('POST', '/api/workspace/api-keys', { name: 'r', scopes: ['integrations:read'] }, key)).json().key;
    const writer = (await t.api('POST', '/api/workspace/api-keys', { name: 'w', scopes: ['integrations:write'] }, key)).json().key;
    expect((await t.api('GET', '/api/integrations', undefined, reader)).status).toBe(200);
    expect((await t.api('POST', '/api/integrations', { type: 'make', name: 'Make' }, reader)).status).toBe(403);
    expect((await t.api('POST', '/api/integrations', { type: 'make', name: 'Make' }, writer)).status).toBe(201);
  });
});

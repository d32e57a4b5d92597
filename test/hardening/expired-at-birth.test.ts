import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('a link created already expired on %s (issue 21 item 20)', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  const past = () => new Date(Date.now() - 60_000).toISOString();
  const future = () => new Date(Date.now() + 3_600_000).toISOString();
  const count = async () => (await t.api('GET', '/api/links?limit=100', undefined, key)).json().data.length as number;

  it('is a 400 in words on create, bulk create and PATCH, and nothing changes', async () => {
    const single = await t.api('POST', '/api/links', { url: 'https://example.com/a', expires_at: past() }, key);
    expect(single.status).toBe(400);
    expect(single.json().error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/^Invalid link: expires_at is in the past \(.*\): a link would be expired from the start; give a future time, or null for no expiry$/) });
    expect(single.json().error.details.fields).toEqual([{ field: 'expires_at', message: expect.stringContaining('is in the past') }]);

    const bulk = await t.api('POST', '/api/links/bulk', { links: [{ url: 'https://example.com/b', expires_at: future() }, { url: 'https://example.com/c', expires_at: past() }] }, key);
    expect(bulk.status).toBe(400);
    expect(bulk.json().error.details.fields).toEqual([{ field: 'links[1].expires_at', message: expect.stringContaining('is in the past') }]);
    expect(await count()).toBe(0);

    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/d', expires_at: future() }, key)).json();
    const patch = await t.api('PATCH', `/api/links/${link.id}`, { expires_at: past(), title: 'changed' }, key);
    expect(patch.status).toBe(400);
    expect(patch.json().error.message).toContain('expires_at is in the past');
    const unchanged = (await t.api('GET', `/api/links/${link.id}`, undefined, key)).json();
    expect(unchanged).toMatchObject({ expires_at: link.expires_at, title: null });
    // A future time, or none, is fine.
    expect((await t.api('PATCH', `/api/links/${link.id}`, { expires_at: null }, key)).status).toBe(200);
    expect(await count()).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(DIALECTS)('/healthz and /readyz with every role in one process on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('answer 200 with the database up, are public, and are never taken for a short link', async () => {
    const health = await http(t.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', database: 'up' });
    const ready = await http(t.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ ready: true, database: 'up' });
    await t.signup();
    const taken = await t.api('POST', '/api/links', { url: 'https://example.com', slug: 'readyz' });
    expect(taken.status).toBe(400);
  });
});

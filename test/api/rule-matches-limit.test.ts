import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_LIMITS } from '../../src/links/link-limits.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** A rule's `matches` holds at most 50 values: the API, its OpenAPI document and docs/links.md say the same. */
describe.each(DIALECTS)('rule matches limit on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await t.signup();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('50 values are taken, 51 are a 400; the OpenAPI Rule and docs/links.md state 50', async () => {
    expect(LINK_LIMITS.matchesPerRule).toBe(50);
    const rule = (n: number) => ({ what: 'os', matches: Array.from({ length: n }, (_, i) => `os-${i}`), url: 'https://example.com/os' });
    const fifty = await t.api('POST', '/api/links', { url: 'https://example.com/', rules: [rule(50)] });
    expect(fifty.status, fifty.text).toBe(201);
    expect(fifty.json().rules[0].matches).toHaveLength(50);
    const more = await t.api('POST', '/api/links', { url: 'https://example.com/', rules: [rule(51)] });
    expect(more.status).toBe(400);
    expect(more.json().error.message).toContain('matches must NOT have more than 50 items');

    const doc = (await http(t.url, 'GET', '/openapi.json')).json();
    const matches = doc.components.schemas.Rule.properties.matches;
    const list = (matches.anyOf ?? matches.oneOf).find((s: { type?: string }) => s.type === 'array');
    expect(list.maxItems).toBe(50);
    expect(readFileSync('docs/links.md', 'utf8')).toMatch(/\| values in one rule's `matches` \| 50 \|/);
  });
});

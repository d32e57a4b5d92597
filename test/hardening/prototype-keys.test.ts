import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const NAMES = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'isPrototypeOf', 'plain'];

describe.each(DIALECTS)('query parameters named like Object.prototype members on %s (issue 21 item 9)', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('constructor, toString, hasOwnProperty and __proto__ are kept in click.params, the clicks list and forwarded params', async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/landing', forward_params: true }, key)).json();
    const query = NAMES.map((n, i) => `${n}=v${i}`).join('&');
    const visit = await http(t.url, 'GET', `/${link.slug}?${query}`, { headers: { 'user-agent': CHROME } });
    expect(visit.status).toBe(302);
    const forwarded = new URL(String(visit.headers.location)).searchParams;
    expect(NAMES.map((n) => forwarded.get(n))).toEqual(NAMES.map((_, i) => `v${i}`));

    const expected = Object.fromEntries(NAMES.map((n, i) => [n, `v${i}`]));
    const events = (await t.api('GET', '/api/events?type=link.clicked&limit=10', undefined, key)).json().data;
    expect(events).toHaveLength(1);
    // Compared as key/value lists: an own "__proto__" property is not something toEqual sees.
    expect(Object.entries(events[0].data.click.params).sort()).toEqual(Object.entries(expected).sort());
    const clicks = (await t.api('GET', `/api/links/${link.id}/clicks`, undefined, key)).json().data;
    expect(Object.entries(clicks[0].params).sort()).toEqual(Object.entries(expected).sort());
  });
});

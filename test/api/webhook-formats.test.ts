import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** GET /api/webhook-formats: what New Webhook shows (a description and a sample body per format). */
describe.each(DIALECTS)('webhook formats API on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it('lists every format with a description and the body it sends for a sample of the chosen event', async () => {
    const res = await t.api('GET', '/api/webhook-formats?type=link.created', undefined, key);
    expect(res.status, res.text).toBe(200);
    const formats = res.json().data as { format: string; description: string; sample: { type: string; body: string } }[];
    expect(formats.map((f) => f.format)).toEqual(['standard', 'slack', 'discord', 'awsys', 'nobsredir', 'linkzly', 'snip', 'linkly']);
    for (const f of formats) {
      expect(f.description.length, f.format).toBeGreaterThan(10);
      expect(f.sample.type).toBe('link.created');
    }
    const body = (format: string) => JSON.parse(formats.find((f) => f.format === format)!.sample.body);
    expect(body('standard')).toMatchObject({ type: 'link.created', actor: { type: 'user' }, data: { link: { slug: 'sample' } } });
    expect(body('snip')).toMatchObject({ event: 'url.created', data: { shortCode: 'sample' } });
    expect(body('nobsredir').data).toMatchObject({ slug: 'sample', target: 'https://example.com/landing' });
    expect(body('linkzly').data.user).toMatchObject({ email: 'jane@example.com' });
  });

  it('answers 400 in words for an unknown event type', async () => {
    const res = await t.api('GET', '/api/webhook-formats?type=click', undefined, key);
    expect(res.status).toBe(400);
    expect(res.json().error.message).toBe('type "click" is not an event type');
  });
});

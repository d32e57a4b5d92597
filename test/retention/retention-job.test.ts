import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/runtime/clock.js';
import type { RetentionJob } from '../../src/retention/retention-job.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const DAY = 86_400_000;

describe.each(DIALECTS)('data retention on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: 'manual', config: { clickRetentionDays: 30 } });
    clock = t.clock as ManualClock;
  });
  afterAll(async () => t?.close());

  const job = () => t.app.jobs.find((j) => j.name === 'retention') as RetentionJob;
  const clicksOf = async (linkId: string) => (await t.storage.db.selectFrom('clicks').select('id').where('link_id', '=', linkId).execute()).length;
  const click = (slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA } });

  it('purges clicks older than LINKWIRE_CLICK_RETENTION_DAYS and keeps newer ones and the link\'s total', async () => {
    const { email } = await t.signup();
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/kept' })).json();
    for (let i = 0; i < 3; i++) expect((await click(link.slug)).status).toBe(302);
    await until('3 clicks stored', async () => (await clicksOf(link.id)) === 3);
    clock.advance(31 * DAY);
    expect((await click(link.slug)).status).toBe(302);
    await until('4 clicks stored', async () => (await clicksOf(link.id)) === 4);

    // Also an expired session: log in now, let it pass its 30-day lifetime.
    const login = await http(t.url, 'POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    const sessionsBefore = (await t.storage.db.selectFrom('sessions').select('id').execute()).length;
    expect(sessionsBefore).toBeGreaterThan(0);

    const first = await job().runOnce();
    expect(first.clicks).toBe(3);
    expect(await clicksOf(link.id)).toBe(1);
    expect((await t.api('GET', `/api/links/${link.id}`)).json().clicks).toBe(4); // the counter is the link's, not the log's
    expect((await t.storage.db.selectFrom('sessions').select('id').execute()).length).toBe(sessionsBefore);

    clock.advance(31 * DAY);
    const second = await job().runOnce();
    expect(second.sessions).toBe(sessionsBefore);
    expect((await t.storage.db.selectFrom('sessions').select('id').execute())).toHaveLength(0);
  });

  it("deletes a link's clicks with the link (single and bulk)", async () => {
    await t.signup();
    const one = (await t.api('POST', '/api/links', { url: 'https://example.com/one' })).json();
    const two = (await t.api('POST', '/api/links', { url: 'https://example.com/two' })).json();
    const kept = (await t.api('POST', '/api/links', { url: 'https://example.com/kept-too' })).json();
    for (const l of [one, one, two, kept]) expect((await click(l.slug)).status).toBe(302);
    await until('clicks stored', async () => (await clicksOf(one.id)) === 2 && (await clicksOf(two.id)) === 1 && (await clicksOf(kept.id)) === 1);
    expect((await t.api('DELETE', `/api/links/${one.id}`)).status).toBe(204);
    expect(await clicksOf(one.id)).toBe(0);
    expect((await t.api('POST', '/api/links/bulk-delete', { ids: [two.id] })).status).toBeLessThan(300);
    expect(await clicksOf(two.id)).toBe(0);
    expect(await clicksOf(kept.id)).toBe(1);
  });
});

describe('LINKWIRE_CLICK_RETENTION_DAYS=0 keeps clicks forever', () => {
  it('purges nothing however old', async () => {
    const t = await startTestApp('sqlite', { clock: 'manual', config: { clickRetentionDays: 0 } });
    try {
      await t.signup();
      const link = (await t.api('POST', '/api/links', { url: 'https://example.com/forever' })).json();
      expect((await http(t.url, 'GET', `/${link.slug}`, { headers: { 'user-agent': UA } })).status).toBe(302);
      await t.app.clicksSettled(); // the click journal's ingester has stored it (docs/click-journal.md)
      (t.clock as ManualClock).advance(5000 * DAY);
      const job = t.app.jobs.find((j) => j.name === 'retention') as RetentionJob;
      expect((await job.runOnce()).clicks).toBe(0);
      expect((await t.storage.db.selectFrom('clicks').select('id').execute())).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Storage } from '../../src/storage/storage.js';
import { DIALECTS } from '../helpers/databases.js';
import { eventValidator } from '../helpers/event-schemas.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const CLICKS = 250;

/** `count` visits at once, each on its own connection (the helper uses no agent), spread over `servers`. */
async function burst(servers: string[], slug: string, count: number): Promise<number[]> {
  const visits = Array.from({ length: count }, (_, i) => http(servers[i % servers.length]!, 'GET', `/${slug}`, { headers: { 'user-agent': UA } }));
  return (await Promise.all(visits)).map((r) => r.status);
}

async function expectOneMilestone(t: TestApp, key: string, linkId: string): Promise<void> {
  const link = (await t.api('GET', `/api/links/${linkId}`, undefined, key)).json();
  expect(link.clicks).toBe(CLICKS);
  const events = async (type: string) => {
    const all: any[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const res = await t.api('GET', `/api/events?type=${type}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, undefined, key);
      expect(res.status, res.text).toBe(200);
      const body = res.json();
      all.push(...body.data);
      cursor = body.next_cursor;
    }
    return all.filter((e) => e.data.link.id === linkId);
  };
  const milestones = await events('analytics.milestone');
  expect(milestones.map((e: any) => e.data.milestone)).toEqual([100]);
  // The event carries the link as the batch that crossed 100 left it.
  expect(milestones[0].data.link.clicks).toBeGreaterThanOrEqual(100);
  expect(milestones[0].data.link.clicks).toBeLessThanOrEqual(CLICKS);
  const clicked = await events('link.clicked');
  expect(clicked).toHaveLength(CLICKS);
  expect(new Set(clicked.map((e: any) => e.data.link.clicks)).size).toBe(CLICKS); // each click saw its own count
  const validator = await eventValidator(t.url, key);
  expect(validator.check(milestones[0])).toEqual([]);
}

describe.each(DIALECTS)('click milestones on %s', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
  });
  afterAll(async () => t?.close());

  it(`${CLICKS} concurrent clicks fire analytics.milestone 100 exactly once`, async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/popular' }, key)).json();
    const statuses = await burst([t.url], link.slug, CLICKS);
    expect(statuses.filter((s) => s === 302)).toHaveLength(CLICKS);
    await expectOneMilestone(t, key, link.id);
  });
});

describe('click milestones across two app instances on one PostgreSQL database', () => {
  let t: TestApp;
  let key: string;
  let second: App;
  let secondStorage: Storage;
  let secondUrl: string;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    ({ key } = await t.signup());
    secondStorage = t.database.open();
    // A second process: its own click journal.
    second = await createApp({ config: { ...t.config, journalDir: mkdtempSync(join(tmpdir(), 'linkwire-journal-')) }, storage: secondStorage, clock: t.clock, logLevel: 'silent' });
    secondUrl = await second.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await second?.close();
    await secondStorage?.close();
    await t?.close();
  });

  it(`${CLICKS} clicks split between the instances still fire milestone 100 once`, async () => {
    const link = (await t.api('POST', '/api/links', { url: 'https://example.com/shared' }, key)).json();
    const statuses = await burst([t.url, secondUrl], link.slug, CLICKS);
    expect(statuses.filter((s) => s === 302)).toHaveLength(CLICKS);
    await second.clicksSettled();
    await expectOneMilestone(t, key, link.id);
    // The second instance sees the same count.
    const fromSecond = await http(secondUrl, 'GET', `/api/links/${link.id}`, { token: key });
    expect(fromSecond.json().clicks).toBe(CLICKS);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClickJournal } from '../../src/clicks/journal/click-journal.js';
import { segmentName } from '../../src/clicks/journal/journal-source.js';
import { JournalIngester } from '../../src/clicks/journal/journal-ingester.js';
import { encodeSegment } from '../../src/clicks/journal/visit-codec.js';
import type { Visit } from '../../src/clicks/visit.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createDeliveryEngine, type DeliveryEngine } from '../../src/delivery/engine.js';
import { Outbox, type InlineFanout } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import { CidrSet, parseCidr } from '../../src/net/cidr.js';
import { createTargetClient } from '../../src/outbound/target-client.js';
import { openPostgres } from '../../src/storage/postgres.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { setUpThroughApi } from '../helpers/api-setup.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { sampleClick } from '../helpers/sample-click.js';
import { until } from '../helpers/wait.js';

/*
 * Where the click ingester and a delivery worker share a thread, the events of ingested clicks are
 * fanned out in the ingest's own transaction: they never enter `event_fanout` and are not read back
 * by a second transaction. What must hold whatever path an event takes: every click reaches every
 * subscribed endpoint exactly once, as a delivery that exists in the database, and nothing is left
 * queued or leased.
 */

const quiet = { warn: () => undefined, error: () => undefined };
const CLICKS = 1_200;

interface Setup {
  link: Link;
  hookIds: string[];
}

/** A workspace with one link and `hooks` webhooks on link.clicked pointing at `receiver` (the API role only). */
async function workspace(database: TestDatabase, receiver: Receiver, hooks: number): Promise<Setup> {
  return setUpThroughApi(database, 'inline@example.com', async ({ api }) => {
    const link = (await api('POST', '/api/links', { url: 'https://example.com/inline' })).json<Link>();
    const hookIds: string[] = [];
    for (let i = 0; i < hooks; i++) {
      const res = await api('POST', '/api/webhooks', { name: `hook ${i}`, url: receiver.urlFor('127.0.0.1', `/hook/${i}`), events: ['link.clicked'] });
      expect(res.status, res.text).toBe(201);
      hookIds.push(res.json<{ id: string }>().id);
    }
    return { link, hookIds };
  });
}

/** `count` clicks on `link`, already in a click journal (as the redirect leaves them). */
function journalWith(link: Link, count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-inline-fanout-'));
  const visits = Array.from({ length: count }, (_, i) => ({
    visit: { kind: 'click', link, click: sampleClick(link, i, { id: `clk_inline${String(i).padStart(10, '0')}`, params: { n: String(i) } }) } satisfies Visit,
    at: Date.now(),
  }));
  writeFileSync(join(dir, segmentName(1)), encodeSegment(visits));
  return dir;
}

describe.each(DIALECTS)('click events fanned out in the ingest transaction on %s', (dialect) => {
  let database: TestDatabase | null = null;
  let storage: Storage | null = null;
  let engine: DeliveryEngine | null = null;
  let ingester: JournalIngester | null = null;
  let journal: ClickJournal | null = null;
  let receiver: Receiver | null = null;
  let dir: string | null = null;
  afterEach(async () => {
    await ingester?.stop();
    await journal?.close();
    for (const job of [...(engine?.jobs ?? [])].reverse()) await job.stop();
    await storage?.close();
    await database?.drop();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    database = storage = engine = ingester = journal = receiver = dir = null;
  });

  /** Ingests CLICKS clicks beside a running engine; `fanout` wraps the engine's (a fault to inject). */
  async function ingest(hooks: number, wrap?: (inner: InlineFanout) => InlineFanout) {
    database = await createTestDatabase(dialect);
    receiver = await startReceiver();
    const { link, hookIds } = await workspace(database, receiver, hooks);
    // The setup's own events (link.created, …) match no webhook here: out of the queue, so every
    // statement below is about the clicks.
    const setup = database.open();
    await setup.db.deleteFrom('event_fanout').execute();
    await setup.close();
    const statements: string[] = [];
    const path = database.url.slice('sqlite:'.length);
    const onQuery = (sql: string) => statements.push(sql.replace(/\s+/g, ' ').trim().toLowerCase());
    storage = dialect === 'sqlite' ? openSqlite(path, { onQuery }) : openPostgres(database.url, { onQuery });
    const ids = createIdSource();
    const outbox = new Outbox(ids, systemClock);
    const client = createTargetClient({ allowPrivate: new CidrSet([parseCidr('127.0.0.1/32')]), dnsServer: { host: '127.0.0.1', port: 9 } });
    engine = createDeliveryEngine({ storage, clock: systemClock, ids, outbox, client, random: () => 0.5, onError: () => undefined });
    for (const job of engine.jobs) await job.start();
    dir = journalWith(link, CLICKS);
    journal = ClickJournal.open(dir, { segmentBytes: 64 * 1024 * 1024, maxBytes: 1024 * 1024 * 1024, fsync: false, onWarning: () => undefined });
    const inline = wrap ? wrap(engine.fanout) : engine.fanout;
    // Batches of 400 clicks: up to 1 000 deliveries are written inline per transaction, so one
    // endpoint's fit and three endpoints' do not.
    ingester = new JournalIngester(journal, { storage, outbox: outbox.withInlineFanout(inline) }, { log: quiet, batchRecords: 400 });
    await ingester.start();
    await ingester.settled();
    const all = await receiver.waitForRequests(CLICKS * hooks, 60_000);
    return { hookIds, statements, requests: all };
  }

  /** Every click's event at every endpoint exactly once, each send a delivery in the database; nothing queued or leased. */
  async function expectEachOnce(hookIds: string[], requests: { path: string; headers: Record<string, string> }[]) {
    const s = storage!;
    await until('every delivery recorded', async () => Number((await s.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n) === CLICKS * hookIds.length || null, 30_000);
    const events = await s.db.selectFrom('events').select('id').where('type', '=', 'link.clicked').execute();
    expect(events).toHaveLength(CLICKS);
    const pairs = requests.map((r) => `${r.path} ${r.headers['webhook-id']}`);
    expect(new Set(pairs).size).toBe(CLICKS * hookIds.length);
    expect(requests).toHaveLength(CLICKS * hookIds.length);
    for (let i = 0; i < hookIds.length; i++) {
      expect(new Set(requests.filter((r) => r.path === `/hook/${i}`).map((r) => r.headers['webhook-id']))).toEqual(new Set(events.map((e) => e.id)));
    }
    const rows = await s.db.selectFrom('deliveries').select(['id', 'lease_owner', 'status']).execute();
    expect(new Set(requests.map((r) => r.headers['x-linkwire-delivery']))).toEqual(new Set(rows.map((r) => r.id)));
    expect(rows.filter((r) => r.status !== 'succeeded' || r.lease_owner !== null)).toEqual([]);
    expect(await s.db.selectFrom('event_fanout').selectAll().execute()).toEqual([]);
  }

  it('delivers each click once without queueing its event or reading it back', async () => {
    const { hookIds, statements, requests } = await ingest(1);
    await expectEachOnce(hookIds, requests);
    // The fan-out queue was never used for these events, and no transaction read them back.
    expect(statements.filter((q) => q.startsWith('insert into "event_fanout"'))).toEqual([]);
    expect(statements.filter((q) => q.startsWith('select * from "events"'))).toEqual([]);
  }, 90_000);

  it('queues what one transaction may not write inline, and still delivers each click to each endpoint once', async () => {
    // 3 endpoints × 400 clicks per batch is more deliveries than one transaction writes inline.
    const { hookIds, statements, requests } = await ingest(3);
    await expectEachOnce(hookIds, requests);
    expect(statements.filter((q) => q.startsWith('insert into "event_fanout"')).length).toBeGreaterThan(0);
  }, 90_000);

  it('sends nothing from an ingest transaction that rolled back, and delivers its clicks once when it is retried', async () => {
    let failures = 0;
    const { hookIds, requests } = await ingest(1, (inner) => ({
      async fanOutInTransaction(tx, events) {
        const left = await inner.fanOutInTransaction(tx, events);
        // The deliveries are written and handed over in the transaction; then it fails.
        if (failures++ === 0) throw new Error('injected failure after the fan-out');
        return left;
      },
    }));
    expect(failures).toBeGreaterThan(1);
    await expectEachOnce(hookIds, requests);
  }, 90_000);
});

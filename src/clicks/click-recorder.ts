import type { Clock } from '../runtime/clock.js';
import type { NewEvent, Outbox } from '../events/outbox.js';
import type { IdSource } from '../runtime/ids.js';
import type { ClickTable } from '../storage/schema.js';
import type { Storage, Tx } from '../storage/storage.js';
import { clickEvents, counterEvents, expiredEvent, geoBlockedEvent } from './click-events.js';
import type { Visit, VisitOutcome } from './visit.js';
import { GroupCommit } from '../runtime/group-commit.js';
import { RollupBatch, writeRollups } from '../storage/click-rollups.js';
import { trafficAlertEvents, type AlertInput } from '../analytics/traffic-alerts.js';


/**
 * Group commit for the redirect path: visits arriving within a few milliseconds are written in
 * one transaction (click rows, counters, and their events), then every waiting redirect answers.
 * A redirect is sent only after its click committed, so an answered click survives kill -9;
 * counters and limits are decided inside the transaction under the link row's lock, so they stay
 * exact across concurrent requests and processes.
 */
export class ClickRecorder {
  private readonly commits: GroupCommit<Visit, VisitOutcome>;
  private closed = false;

  constructor(
    private readonly deps: { storage: Storage; outbox: Outbox; ids: IdSource; clock: Clock },
    options: { flushMs: number; maxBatch?: number },
  ) {
    this.commits = new GroupCommit((visits) => this.deps.storage.transaction((tx) => writeVisits(tx, this.deps.outbox, visits)), {
      flushMs: options.flushMs,
      maxBatch: options.maxBatch ?? 1000,
    });
  }

  record(visit: Visit): Promise<VisitOutcome> {
    if (this.closed) return Promise.reject(new Error('click recorder is closed'));
    return this.commits.add(visit);
  }

  /** Writes what is queued and stops accepting visits. */
  async close(): Promise<void> {
    this.closed = true;
    await this.commits.drain();
  }
}

/**
 * Writes visits inside the caller's transaction: click rows, counters, and their events
 * (`link.clicked`, `qr.scanned`, `link.geo_blocked`, `link.expired`, `analytics.milestone`,
 * `link.limit_reached`). Counters and limits are decided under the link rows' locks, so they stay
 * exact across concurrent batches and processes. Shared by the synchronous recorder and the
 * click journal's ingester.
 */
export async function writeVisits(tx: Tx, outbox: Outbox, visits: readonly Visit[]): Promise<VisitOutcome[]> {
  const outcomes: VisitOutcome[] = new Array<VisitOutcome>(visits.length);
  const events: NewEvent[] = [];
  const clickRows: ClickTable[] = [];
  /** People-clicks of links with traffic alerts (analytics/traffic-alerts.ts). */
  const alerting: AlertInput[] = [];

  const clicksByLink = new Map<string, number[]>();
  visits.forEach((visit, i) => {
    if (visit.kind !== 'click') return;
    const list = clicksByLink.get(visit.link.id) ?? [];
    list.push(i);
    clicksByLink.set(visit.link.id, list);
  });

  if (clicksByLink.size > 0) {
    const counters = await lockCounters(tx, [...clicksByLink.keys()]);
    for (const [linkId, indexes] of clicksByLink) {
      const counter = counters.get(linkId);
      if (!counter) {
        for (const i of indexes) outcomes[i] = { status: 'gone' };
        continue;
      }
      // People count toward the limit and the milestones; the bots let through are counted apart
      // (bot_clicks), and refused like everyone once the limit is reached.
      const people = indexes.filter((i) => !(visits[i] as Extract<Visit, { kind: 'click' }>).click.bot);
      const bots = indexes.filter((i) => (visits[i] as Extract<Visit, { kind: 'click' }>).click.bot);
      const room = counter.max_clicks === null ? people.length : Math.max(0, counter.max_clicks - counter.clicks);
      const counted = people.slice(0, room);
      for (const i of people.slice(room)) outcomes[i] = { status: 'limit_reached' };
      const before = counter.clicks;
      const after = before + counted.length;
      const botsLetIn = counter.max_clicks !== null && after >= counter.max_clicks ? [] : bots;
      if (botsLetIn.length < bots.length) for (const i of bots) outcomes[i] = { status: 'limit_reached' };
      if (counted.length === 0 && botsLetIn.length === 0) continue;
      for (let n = 0; n < counted.length; n++) {
        const i = counted[n]!;
        const visit = visits[i] as Extract<Visit, { kind: 'click' }>;
        const clicks = before + n + 1;
        outcomes[i] = { status: 'counted', clicks };
        clickRows.push(toClickRow(visit));
        for (const event of clickEvents(visit, clicks)) events.push(event);
      }
      for (const i of botsLetIn) {
        const visit = visits[i] as Extract<Visit, { kind: 'click' }>;
        outcomes[i] = { status: 'counted', clicks: after };
        clickRows.push(toClickRow(visit));
        for (const event of clickEvents(visit, after)) events.push(event);
      }
      const lastVisit = visits[indexes[indexes.length - 1]!]!;
      const link = { ...lastVisit.link, clicks: after, bot_clicks: counter.bot_clicks + botsLetIn.length };
      const reachedLimit = counter.max_clicks !== null && after >= counter.max_clicks && counter.limit_notified === 0;
      await tx.db
        .updateTable('links')
        .set({ clicks: after, bot_clicks: link.bot_clicks, ...(reachedLimit ? { limit_notified: 1 } : {}) })
        .where('id', '=', linkId)
        .execute();
      events.push(...counterEvents(link, before, after, reachedLimit));
      if (link.alerts?.length && counted.length > 0) alerting.push({ link, times: counted.map((i) => Date.parse((visits[i] as Extract<Visit, { kind: 'click' }>).click.timestamp)) });
    }
  }

  for (let i = 0; i < visits.length; i++) {
    const visit = visits[i]!;
    if (visit.kind === 'geo_blocked') {
      events.push(geoBlockedEvent(visit));
      outcomes[i] = { status: 'recorded' };
    } else if (visit.kind === 'expired') {
      // Only the visit that flips the flag emits: once per expiry, however many processes race.
      const result = await tx.db
        .updateTable('links')
        .set({ expired_notified: 1 })
        .where('id', '=', visit.link.id)
        .where('expired_notified', '=', 0)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) {
        events.push(expiredEvent(visit));
      }
      outcomes[i] = { status: 'recorded' };
    }
  }

  await tx.insertRows('clicks', clickRows, { shared: ['workspace_id', 'link_id'] });
  if (clickRows.length > 0) {
    // The analytics rollups move with the clicks they count: same transaction, so always exact.
    const rollups = new RollupBatch();
    for (const row of clickRows) rollups.add(row);
    await writeRollups(tx.db, tx.dialect, rollups);
  }
  if (alerting.length > 0) events.push(...(await trafficAlertEvents(tx, alerting)));
  await outbox.write(tx, events);
  return outcomes;
}

async function lockCounters(tx: Tx, linkIds: string[]) {
  // Locked, so concurrent batches from other processes serialise on the counters.
  const rows = await tx.lockRows(tx.db.selectFrom('links').select(['id', 'clicks', 'bot_clicks', 'max_clicks', 'limit_notified']).where('id', 'in', linkIds).orderBy('id')).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

function toClickRow(visit: Extract<Visit, { kind: 'click' }>): ClickTable {
  const c = visit.click;
  return {
    id: c.id,
    workspace_id: visit.link.workspace_id,
    link_id: visit.link.id,
    timestamp: Date.parse(c.timestamp),
    country: c.country,
    city: c.city,
    is_eu_country: c.is_eu_country ? 1 : 0,
    device: c.device,
    os: c.os,
    browser: c.browser,
    referrer: c.referrer,
    referrer_domain: c.referrer_domain,
    bot: c.bot ? 1 : 0,
    bot_name: c.bot_name,
    qr: c.qr ? 1 : 0,
    destination: c.destination,
    params: JSON.stringify(c.params),
    user_agent: c.user_agent,
    ip: c.ip,
  };
}

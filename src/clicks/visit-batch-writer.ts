import type { NewEvent, Outbox } from '../events/outbox.js';
import type { ClickTable } from '../storage/schema.js';
import type { Tx } from '../storage/storage.js';
import { clickEvents, counterEvents, expiredEvent, geoBlockedEvent } from './click-events.js';
import type { Visit, VisitOutcome } from './visit.js';
import { RollupBatch, writeRollups } from '../storage/click-rollups.js';
import { trafficAlertEvents, type AlertInput } from '../analytics/traffic-alerts.js';

/** A link's counters as locked at its first visit in the transaction, then kept here. */
interface Counter {
  clicks: number;
  bot_clicks: number;
  max_clicks: number | null;
  limit_notified: number;
  /** Counted something in this transaction: its row is written by `finish`. */
  changed: boolean;
}

/**
 * Writes visits inside the caller's transaction, in as many `add` calls as the caller likes, then
 * `finish`: click rows, counters, rollups and their events (`link.clicked`, `qr.scanned`,
 * `link.geo_blocked`, `link.expired`, `analytics.milestone`, `link.limit_reached`,
 * `analytics.threshold`). Counters and limits are decided under the link rows' locks, so they stay
 * exact across concurrent batches and processes.
 *
 * The journal ingester hands a batch over in chunks (so only a chunk's objects are alive at a
 * time), but what is per link or per rollup key is written once per transaction, in `finish`:
 * with a link counter UPDATE and ~250 rollup upserts per chunk, a 5 000-click batch wrote ten
 * times the counter and rollup rows the same clicks need (the raw better-sqlite3 baseline writes
 * them once per batch). The rows that result are the same; events are still written chunk by
 * chunk, in visit order.
 */
export class VisitBatchWriter {
  /** Locked link counters by id; null for a link that no longer exists. */
  private readonly counters = new Map<string, Counter | null>();
  private readonly rollups = new RollupBatch();
  private clicks = 0;

  constructor(
    private readonly tx: Tx,
    private readonly outbox: Outbox,
  ) {}

  async add(visits: readonly Visit[]): Promise<VisitOutcome[]> {
    const tx = this.tx;
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
      await this.lockCounters([...clicksByLink.keys()]);
      for (const [linkId, indexes] of clicksByLink) {
        const counter = this.counters.get(linkId);
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
        counter.clicks = after;
        counter.bot_clicks = link.bot_clicks;
        if (reachedLimit) counter.limit_notified = 1;
        counter.changed = true;
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
    // The analytics rollups move with the clicks they count: same transaction (`finish`), so always exact.
    for (const row of clickRows) this.rollups.add(row);
    this.clicks += clickRows.length;
    if (alerting.length > 0) events.push(...(await trafficAlertEvents(tx, alerting)));
    await this.outbox.write(tx, events);
    return outcomes;
  }

  /** The counters and rollups of everything added: once per link and per rollup key. */
  async finish(): Promise<void> {
    for (const [linkId, counter] of this.counters) {
      if (!counter?.changed) continue;
      await this.tx.db
        .updateTable('links')
        .set({ clicks: counter.clicks, bot_clicks: counter.bot_clicks, limit_notified: counter.limit_notified })
        .where('id', '=', linkId)
        .execute();
      counter.changed = false;
    }
    if (this.clicks > 0) await writeRollups(this.tx.db, this.tx.dialect, this.rollups);
  }

  /** Locks the counters of the links not locked yet in this transaction. */
  private async lockCounters(linkIds: string[]): Promise<void> {
    const missing = linkIds.filter((id) => !this.counters.has(id));
    if (missing.length === 0) return;
    // Locked, so concurrent batches from other processes serialise on the counters.
    const tx = this.tx;
    const rows = await tx.lockRows(tx.db.selectFrom('links').select(['id', 'clicks', 'bot_clicks', 'max_clicks', 'limit_notified']).where('id', 'in', missing).orderBy('id')).execute();
    for (const id of missing) this.counters.set(id, null);
    for (const r of rows) this.counters.set(r.id, { clicks: r.clicks, bot_clicks: r.bot_clicks, max_clicks: r.max_clicks, limit_notified: r.limit_notified, changed: false });
  }
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

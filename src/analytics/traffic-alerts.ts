import type { NewEvent } from '../events/outbox.js';
import type { Alert, Link } from '../links/link-schema.js';
import type { Tx } from '../storage/storage.js';

/**
 * Traffic alerts (`alerts: [{clicks, window_s}]` on a link, SPEC §3b, docs/analytics.md):
 * `analytics.threshold` fires when a link's people-clicks within a sliding window of `window_s`
 * seconds reach `clicks`, at most once per window.
 *
 * Decided by the click ingester, inside the batch transaction that stores the clicks, under the
 * link row's lock (click-recorder.ts): batches of one link from every process and journal are
 * serialised there, so the decision is exact across processes. The window is counted in whole
 * seconds of the clicks' own timestamps (when the visitor was redirected), never of ingest time:
 * the count at second s is the people-clicks stamped in [s - window_s + 1, s].
 *
 * State, kept only for links that have alerts:
 * - `alert_seconds`: people-clicks per (link, second) — one upsert per distinct second in a batch
 *   (a batch of 5 000 clicks spans a few seconds), pruned past the link's longest window;
 * - `alert_fires`: the second each alert last fired; it may fire again from `fired + window_s`.
 * Evaluating reads the link's second rows of at most one window (≤ window_s rows, fewer when
 * traffic is sparse) once per batch, and only when an alert is allowed to fire at all.
 * A click arriving more than its link's longest window late (a journal left unread for a day) is
 * counted in its own second but may miss the older seconds already pruned.
 */

export interface AlertInput {
  /** The link as its events carry it (counters after this batch). */
  link: Link;
  /** Timestamps (ms) of the people-clicks of this link counted in this batch, any order. */
  times: readonly number[];
}

export async function trafficAlertEvents(tx: Tx, inputs: readonly AlertInput[]): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  for (const { link, times } of inputs) {
    const alerts: readonly Alert[] = link.alerts ?? [];
    if (alerts.length === 0 || times.length === 0) continue;
    const perSecond = new Map<number, number>();
    for (const t of times) {
      const s = Math.floor(t / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    const seconds = [...perSecond.keys()].sort((a, b) => a - b);
    await tx.db
      .insertInto('alert_seconds')
      .values(seconds.map((second) => ({ link_id: link.id, second, clicks: perSecond.get(second)! })))
      .onConflict((oc) => oc.columns(['link_id', 'second']).doUpdateSet((eb) => ({ clicks: eb(eb.ref('alert_seconds.clicks'), '+', eb.ref('excluded.clicks')) })))
      .execute();

    const fires = await tx.db.selectFrom('alert_fires').select(['clicks', 'window_s', 'fired_second']).where('link_id', '=', link.id).execute();
    const lastFired = new Map(fires.map((f) => [`${Number(f.clicks)}/${f.window_s}`, Number(f.fired_second)]));
    // Per alert, the batch's seconds at which it may fire (a window after its last firing).
    const plans = alerts
      .map((alert) => {
        const fired = lastFired.get(`${alert.clicks}/${alert.window_s}`);
        return { alert, fired, candidates: fired === undefined ? seconds : seconds.filter((s) => s >= fired + alert.window_s) };
      })
      .filter((p) => p.candidates.length > 0);
    const longest = Math.max(...alerts.map((a) => a.window_s));
    const newest = seconds[seconds.length - 1]!;
    if (plans.length > 0) {
      const from = Math.min(...plans.map((p) => p.candidates[0]! - p.alert.window_s + 1));
      const rows = await tx.db
        .selectFrom('alert_seconds')
        .select(['second', 'clicks'])
        .where('link_id', '=', link.id)
        .where('second', '>=', from)
        .where('second', '<=', newest)
        .orderBy('second')
        .execute();
      const window = new SecondCounts(rows.map((r) => Number(r.second)), rows.map((r) => Number(r.clicks)));
      for (const { alert, fired, candidates } of plans) {
        let last = fired;
        for (const s of candidates) {
          if (last !== undefined && s < last + alert.window_s) continue;
          const count = window.sum(s - alert.window_s + 1, s);
          if (count < alert.clicks) continue;
          last = s;
          events.push({ type: 'analytics.threshold', workspaceId: link.workspace_id, linkId: link.id, actor: null, data: { link, threshold: { clicks: alert.clicks, window_s: alert.window_s }, count } });
        }
        if (last !== fired && last !== undefined) {
          await tx.db
            .insertInto('alert_fires')
            .values({ link_id: link.id, clicks: alert.clicks, window_s: alert.window_s, fired_second: last })
            .onConflict((oc) => oc.columns(['link_id', 'clicks', 'window_s']).doUpdateSet({ fired_second: last }))
            .execute();
        }
      }
    }
    // Seconds no window can reach any more.
    await tx.db.deleteFrom('alert_seconds').where('link_id', '=', link.id).where('second', '<=', newest - longest).execute();
  }
  return events;
}

/** Click counts per second (ascending seconds) with prefix sums: the sum over any range in O(log n). */
class SecondCounts {
  private readonly prefix: number[];

  constructor(
    private readonly seconds: readonly number[],
    counts: readonly number[],
  ) {
    this.prefix = [0];
    for (const c of counts) this.prefix.push(this.prefix[this.prefix.length - 1]! + c);
  }

  /** Clicks in seconds [from, to]. */
  sum(from: number, to: number): number {
    return this.prefix[this.firstAtOrAfter(to + 1)]! - this.prefix[this.firstAtOrAfter(from)]!;
  }

  private firstAtOrAfter(second: number): number {
    let lo = 0;
    let hi = this.seconds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seconds[mid]! < second) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

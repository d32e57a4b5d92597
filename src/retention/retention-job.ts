import type { Config } from '../config.js';
import { purgeDeliveries, purgeEvents } from '../delivery/delivery-store.js';
import { EVENT_LIST_WINDOW_MS } from '../events/event-window.js';
import type { BackgroundJob } from '../jobs/background-job.js';
import { Loop } from '../jobs/loop.js';
import type { Clock } from '../runtime/clock.js';
import { idLowerBound } from '../runtime/ids.js';
import { purgeUnusedLinkVersions } from '../storage/link-versions.js';
import type { Storage } from '../storage/storage.js';

const CHUNK = 1000;
const DAY_MS = 86_400_000;

export interface RetentionOptions {
  intervalMs: number;
  /** The first failure of a run (the loop backs off and reports the recovery to onRecover). */
  onError: (err: unknown) => void;
  onRecover: (failures: number) => void;
}

/** What one run deleted; `more` when a chunk was full (the loop runs again at once). */
export interface RetentionRun {
  clicks: number;
  sessions: number;
  deliveries: number;
  events: number;
  linkVersions: number;
  more: boolean;
}

/**
 * Keeps the tables that grow with traffic bounded, hourly on the worker role:
 * - clicks older than LINKWIRE_CLICK_RETENTION_DAYS (0 keeps them forever) and sessions past their expiry;
 * - finished deliveries and their attempts older than LINKWIRE_DELIVERY_RETENTION_DAYS (7 by default),
 *   events older than that or the 30 days the API lists, whichever is longer, and the link
 *   versions only such events referenced.
 * Deletes in chunks of 1000, each its own short transaction, so a large purge never holds the
 * database for long.
 */
export class RetentionJob implements BackgroundJob {
  readonly name = 'retention';
  private readonly loop: Loop;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; config: Pick<Config, 'clickRetentionDays' | 'deliveryRetentionDays'> },
    options: Partial<RetentionOptions> = {},
  ) {
    this.loop = new Loop(this.name, () => this.runOnce().then((r) => r.more), options.intervalMs ?? 3_600_000, options.onError, options.onRecover);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Deletes one chunk of each kind. */
  async runOnce(): Promise<RetentionRun> {
    const now = this.deps.clock.now();
    const clicks = await this.purgeClicks(now);
    const sessions = await this.purgeSessions(now);
    const { deliveries, events, linkVersions } = await this.purgeDeliveryLogs(now);
    const more = [clicks, sessions, deliveries, events, linkVersions].some((n) => n === CHUNK);
    return { clicks, sessions, deliveries, events, linkVersions, more };
  }

  private async purgeClicks(now: number): Promise<number> {
    const { storage, config } = this.deps;
    if (config.clickRetentionDays <= 0) return 0;
    // Click ids are time-sortable: the primary key finds the old ones without a timestamp index.
    const bound = idLowerBound('clk', now - config.clickRetentionDays * DAY_MS);
    const old = await storage.db.selectFrom('clicks').select('id').where('id', '<', bound).orderBy('id').limit(CHUNK).execute();
    if (!old.length) return 0;
    const result = await storage.db.deleteFrom('clicks').where('id', 'in', old.map((c) => c.id)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async purgeSessions(now: number): Promise<number> {
    const { storage } = this.deps;
    const expired = await storage.db.selectFrom('sessions').select('id').where('expires_at', '<', now).limit(CHUNK).execute();
    if (!expired.length) return 0;
    const result = await storage.db.deleteFrom('sessions').where('id', 'in', expired.map((s) => s.id)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deliveries, then the events they no longer need, then the versions those events named: one transaction. */
  private purgeDeliveryLogs(now: number): Promise<{ deliveries: number; events: number; linkVersions: number }> {
    const { storage, config } = this.deps;
    const deliveryCutoff = now - config.deliveryRetentionDays * DAY_MS;
    const eventCutoff = now - Math.max(EVENT_LIST_WINDOW_MS, config.deliveryRetentionDays * DAY_MS);
    return storage.transaction(async (tx) => {
      const deliveries = await purgeDeliveries(tx, deliveryCutoff, CHUNK);
      const events = await purgeEvents(tx, eventCutoff, CHUNK);
      // Link versions no event references any more (never one an event still names).
      const linkVersions = await purgeUnusedLinkVersions(tx.db, eventCutoff, CHUNK);
      return { deliveries, events, linkVersions };
    });
  }
}

import type { Clock } from '../runtime/clock.js';
import type { Storage } from '../storage/storage.js';
import { EVENT_LIST_WINDOW_MS } from '../events/event-window.js';
import { Loop } from '../jobs/loop.js';
import { purgeDeliveries } from './delivery-store.js';
import { purgeUnusedLinkVersions } from '../storage/link-versions.js';

const CHUNK = 1000;

/**
 * Purges delivery logs older than the retention (7 days by default), events older than the
 * 30 days the API lists and the link versions only such events referenced, in small chunks so the purge never holds the database for long.
 */
export class RetentionJob {
  private readonly loop: Loop;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock },
    private readonly retentionDays: number,
    onError: (err: unknown) => void = () => undefined,
    intervalMs = 3_600_000,
    onRecover?: (failures: number) => void,
  ) {
    this.loop = new Loop('retention', () => this.runOnce(), intervalMs, onError, onRecover);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Deletes one chunk of each kind; returns whether more may be left. */
  async runOnce(): Promise<boolean> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    const deliveryCutoff = now - this.retentionDays * 86_400_000;
    const eventCutoff = now - Math.max(EVENT_LIST_WINDOW_MS, this.retentionDays * 86_400_000);
    return storage.transaction(async (tx) => {
      const purged = await purgeDeliveries(tx, deliveryCutoff, CHUNK);
      const events = await tx.db
        .selectFrom('events')
        .select('id')
        .where('timestamp', '<', eventCutoff)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.event_id', '=', 'events.id').where('deliveries.status', '=', 'pending'))))
        .limit(CHUNK)
        .execute();
      if (events.length) await tx.db.deleteFrom('events').where('id', 'in', events.map((e) => e.id)).execute();
      // Link versions no event references any more (never one an event still names).
      const versions = await purgeUnusedLinkVersions(tx.db, eventCutoff, CHUNK);
      return purged === CHUNK || events.length === CHUNK || versions === CHUNK;
    });
  }
}

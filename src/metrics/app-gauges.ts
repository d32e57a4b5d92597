import type { Clock } from '../runtime/clock.js';
import type { Storage } from '../storage/storage.js';
import { deliveryBacklog } from '../delivery/delivery-store.js';
import { cachedRead, type Metrics } from './metrics.js';

/** How long a scrape reuses the backlog query's answer (scrapes from several Prometheus servers). */
const BACKLOG_CACHE_MS = 3000;

/** Levels read on scrape: the delivery backlog (one cheap query, cached), the database pool, open streams. */
export function addAppGauges(metrics: Metrics, deps: { storage: Storage; clock: Clock; streams: () => number }): void {
  const { storage, clock } = deps;
  const backlog = cachedRead(BACKLOG_CACHE_MS, async () => {
    const now = clock.now();
    const row = await deliveryBacklog(storage, now);
    const deferred = await storage.db.selectFrom('event_fanout_deferred').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return {
      pending: row.pending,
      due: row.due,
      oldestAgeS: row.oldestCreatedAt === null ? 0 : Math.max(0, (now - row.oldestCreatedAt) / 1000),
      deferred: Number(deferred.n),
    };
  });
  metrics.addGauge({ name: 'linkwire_deliveries_pending', help: 'Deliveries waiting to be sent or retried', read: async () => (await backlog()).pending });
  metrics.addGauge({ name: 'linkwire_deliveries_due', help: 'Pending deliveries whose next attempt is due now', read: async () => (await backlog()).due });
  metrics.addGauge({
    name: 'linkwire_deliveries_oldest_pending_age_seconds',
    help: 'Age of the oldest pending delivery (0 when none)',
    read: async () => (await backlog()).oldestAgeS,
  });
  metrics.addGauge({
    name: 'linkwire_fanout_deferred_events',
    help: 'Events whose deliveries to failing or hanging endpoints are not written yet (fan-out paces them)',
    read: async () => (await backlog()).deferred,
  });
  const poolStats = storage.poolStats?.bind(storage);
  if (poolStats) {
    metrics.addLabelledGauge({
      name: 'linkwire_db_pool_connections',
      help: 'PostgreSQL pool connections by state (total, idle, waiting = queued requests)',
      labelNames: ['state'],
      read: () => {
        const s = poolStats();
        return Promise.resolve([
          { labels: { state: 'total' }, value: s.total },
          { labels: { state: 'idle' }, value: s.idle },
          { labels: { state: 'waiting' }, value: s.waiting },
        ]);
      },
    });
  }
  metrics.addGauge({ name: 'linkwire_event_streams_open', help: 'Open /api/events/stream connections in this process', read: () => deps.streams() });
}

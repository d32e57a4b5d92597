import type { BackgroundJob } from '../jobs/background-job.js';
import type { Clock } from '../runtime/clock.js';
import type { Outbox } from '../events/outbox.js';
import type { IdSource } from '../runtime/ids.js';
import type { Storage } from '../storage/storage.js';
import { Fanout } from './fanout.js';
import { ResultWriter, type DeliveryObserver } from './result-writer.js';
import type { EndpointAlerts } from '../mail/endpoint-alerts.js';
import type { DeliveryTransport } from '../outbound/transport.js';
import { DEFAULT_WORKER_OPTIONS, DeliveryWorker, newWorkerId, type WorkerOptions } from './worker.js';

/**
 * Attempt results wait this long to be written together. Nothing waits on that write but the
 * delivery's lease (the endpoint's slot is free once it has answered), so a few milliseconds cost
 * no delivery any time, and fewer, larger commits left more of the worker for sending: on SQLite
 * 6 300 → 6 900 deliveries/s (`npm run bench -- --only throughput --dialect sqlite`, three
 * alternating runs each at 0 and 5 ms, 2026-12-01; PostgreSQL showed no difference beyond noise).
 */
const RESULT_FLUSH_MS = 5;

export interface DeliveryEngine {
  readonly fanout: Fanout;
  readonly worker: DeliveryWorker;
  readonly jobs: BackgroundJob[];
  /** Runs fan-out and claiming now (tests that move an injected clock call this). */
  poke(): void;
}

/** The worker role's deliveries: outbox → deliveries (fan-out), deliveries → endpoints (worker). Their logs' retention is src/retention/retention-job.ts. */
export function createDeliveryEngine(deps: {
  storage: Storage;
  clock: Clock;
  ids: IdSource;
  outbox: Outbox;
  client: DeliveryTransport;
  random: () => number;
  workerOptions?: Partial<WorkerOptions> | undefined;
  onError: (err: unknown) => void;
  /** Told when a loop works again after failing (logged once per state change, not per tick). */
  onRecover?: (job: string, failures: number) => void;
  observer?: DeliveryObserver | null;
  /** Failing-endpoint mails (src/mail/endpoint-alerts.ts). */
  alerts?: EndpointAlerts | null;
}): DeliveryEngine {
  const workerId = newWorkerId();
  const writer = new ResultWriter({ storage: deps.storage, clock: deps.clock, ids: deps.ids, outbox: deps.outbox, random: deps.random, alerts: deps.alerts ?? null }, workerId, RESULT_FLUSH_MS, deps.observer ?? null);
  const worker = new DeliveryWorker(
    { storage: deps.storage, clock: deps.clock, client: deps.client, writer, onError: deps.onError, onRecover: (n) => deps.onRecover?.('delivery-worker', n) },
    workerId,
    { ...DEFAULT_WORKER_OPTIONS, ...deps.workerOptions },
  );
  const fanout = new Fanout({ storage: deps.storage, clock: deps.clock, ids: deps.ids, stalled: (endpoint) => worker.stalled(endpoint), handoff: worker.handoff }, () => worker.poke(), deps.onError, undefined, (n) => deps.onRecover?.('fanout', n));
  const jobs: BackgroundJob[] = [
    { name: 'delivery-worker', start: () => worker.start(), stop: async () => { await worker.stop(); await writer.close(); } },
    { name: 'fanout', start: () => fanout.start(), stop: () => fanout.stop() },
  ];
  return {
    fanout,
    worker,
    jobs,
    poke() {
      fanout.poke();
      worker.poke();
    },
  };
}

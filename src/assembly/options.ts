import type { Config } from '../config.js';
import type { GeoLookup } from '../clicks/geo.js';
import type { WorkerOptions } from '../delivery/worker.js';
import type { AttemptNotice } from '../events/attempt-notice.js';
import type { EventStreamOptions } from '../events/event-stream.js';
import type { MailSenderOptions } from '../mail/mail-sender.js';
import type { Metrics } from '../metrics/metrics.js';
import type { LinkMonitorOptions } from '../monitoring/link-monitor.js';
import type { Clock } from '../runtime/clock.js';
import type { IdSource } from '../runtime/ids.js';
import type { Storage } from '../storage/storage.js';

/** What createApp is given: the config and the storage, and what a test or the worker thread changes. */
export interface AppOptions {
  config: Config;
  storage: Storage;
  clock?: Clock;
  ids?: IdSource;
  geo?: GeoLookup;
  random?: () => number;
  /** Pino level for this app's logs ('silent' in tests). */
  logLevel?: string;
  workerOptions?: Partial<WorkerOptions>;
  /**
   * Where the click journal is ingested: `local` (default) in this app; `write-only`: this app
   * writes it and an `ingest-only` app (the worker thread of the same process) ingests it.
   */
  journalMode?: JournalMode;
  /**
   * Also told of the delivery attempts this app's worker commits. The worker thread forwards them
   * to the main thread, whose event streams serve `delivery.attempted` (its own app has no clients).
   */
  onAttemptsCommitted?: (notices: readonly AttemptNotice[]) => void;
  /** Called for every route Fastify registers (the OpenAPI coverage test lists them with it). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
  /** Link health checks (worker role): interval, timeout, … */
  monitorOptions?: Partial<LinkMonitorOptions>;
  /** The Prometheus metrics this app reports to (a fresh set when absent). */
  metrics?: Metrics;
  /** Live event stream timings (heartbeat, safety poll) — tests shorten them. */
  streamOptions?: Partial<EventStreamOptions>;
  /** The mail sender's poll and retry timings — tests shorten them. */
  mailOptions?: Partial<MailSenderOptions>;
}

export type JournalMode = 'local' | 'write-only' | 'ingest-only';

import type { FastifyBaseLogger } from 'fastify';
import { ClickJournal, type JournalOptions } from '../clicks/journal/click-journal.js';
import { JournalIngester, type JournalLag } from '../clicks/journal/journal-ingester.js';
import { JournalInUseError } from '../clicks/journal/journal-lock.js';
import { JournalPublisher, RemoteJournal } from '../clicks/journal/journal-thread-bridge.js';
import type { Outbox } from '../events/outbox.js';
import type { BackgroundJob } from '../jobs/background-job.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AppContext } from './context.js';
import type { JournalMode } from './options.js';

/**
 * The click journal of a redirect process (docs/click-journal.md): written by the redirect handler,
 * ingested into the database here (`local`) or by the worker thread (`write-only`, the publisher
 * answers the thread). Null parts: no journal, or not that side of it.
 */
export interface JournalSide {
  readonly writer: ClickJournal | null;
  readonly ingester: JournalIngester | null;
  readonly publisher: JournalPublisher | null;
  /** The local ingester's job (start after the worker's, so what its last batch hands over is sent). */
  readonly jobs: BackgroundJob[];
}

/** Clicks answered but not yet in the database (what /healthz shows); undefined without a journal. */
export function journalLagOf(side: Pick<JournalSide, 'ingester' | 'publisher'>, now: number): JournalLag | undefined {
  return side.ingester?.lag(now) ?? side.publisher?.lag(now);
}

/**
 * Opens the redirect's journal (LINKWIRE_JOURNAL_DIR) and its ingester or publisher. `ingestOutbox`
 * appends the ingested clicks' events (fanned out inline where a worker shares the thread).
 */
export function openJournalSide(ctx: AppContext, parts: { log: FastifyBaseLogger; metrics: Metrics; ingestOutbox: Outbox; mode: JournalMode }): JournalSide {
  const { config, storage } = ctx;
  const { log } = parts;
  const writer = config.journalDir === null ? null : openJournal(config.journalDir, {
    segmentBytes: 64 * 1024 * 1024,
    maxBytes: config.journalMaxBytes,
    fsync: config.journalFsync,
    onWarning: (message) => log.warn(message),
    onError: (message) => log.error(message),
    onRecovered: (message) => log.warn(message),
  }, log);
  if (writer === null) return { writer, ingester: null, publisher: null, jobs: [] };
  const publisher = parts.mode === 'write-only' ? new JournalPublisher(writer) : null;
  const ingester = publisher ? null : new JournalIngester(writer, { storage, outbox: parts.ingestOutbox }, { log });
  addJournalGauges(parts.metrics, writer, ingester ?? publisher!);
  return { writer, ingester, publisher, jobs: ingester ? [ingesterJob(ingester)] : [] };
}

/** The worker thread's side (`ingest-only`): ingests the journal the main thread writes. */
export function ingestRemoteJournal(ctx: AppContext, parts: { log: FastifyBaseLogger; ingestOutbox: Outbox }): { ingester: JournalIngester; job: BackgroundJob } | null {
  if (ctx.config.journalDir === null) return null;
  const remote = new RemoteJournal(ctx.config.journalDir);
  const ingester = new JournalIngester(remote, { storage: ctx.storage, outbox: parts.ingestOutbox }, { log: parts.log });
  return { ingester, job: ingesterJob(ingester, () => remote.close()) };
}

function ingesterJob(ingester: JournalIngester, after?: () => void): BackgroundJob {
  return {
    name: 'click-ingester',
    start: () => ingester.start(),
    // Runs after the journal closed: move what is left into the database while it is up.
    stop: async () => {
      await ingester.drain(5_000);
      await ingester.stop();
      after?.();
    },
  };
}

/**
 * The same figures as /healthz's `journal`. Read here, where the writer lives: with the worker
 * thread the ingester reports each committed position back to the writer (the publisher).
 */
function addJournalGauges(metrics: Metrics, writer: ClickJournal, lagSource: { lag(now: number): JournalLag }): void {
  const lag = () => lagSource.lag(Date.now());
  metrics.addGauge({ name: 'linkwire_journal_lag_records', help: 'Answered clicks in the click journal not yet ingested into the database', read: () => lag().records_behind });
  metrics.addGauge({ name: 'linkwire_journal_lag_seconds', help: 'How far the click journal ingester is behind, in seconds (0 when caught up)', read: () => lag().seconds_behind });
  metrics.addGauge({ name: 'linkwire_journal_lag_bytes', help: 'Bytes of the click journal not yet ingested', read: () => lag().bytes_behind });
  metrics.addGauge({ name: 'linkwire_journal_max_bytes', help: 'The click journal size bound (LINKWIRE_JOURNAL_MAX_MB); redirects fall back to the database path beyond it', read: () => lag().max_bytes });
  metrics.addGauge({ name: 'linkwire_journal_write_failing', help: '1 while the click journal cannot be written (a full disk, its directory removed): redirects are counted through the database meanwhile', read: () => (writer.writeError() === null ? 0 : 1) });
}

/**
 * The click journal, or null when it cannot be set up (a brand-new directory on a full disk, say):
 * the redirect then counts every click through the database, which is slower but loses nothing.
 * A journal held by another process is a configuration mistake and stops the start.
 */
function openJournal(dir: string, options: JournalOptions, log: { error(obj: object, msg: string): void }): ClickJournal | null {
  try {
    return ClickJournal.open(dir, options);
  } catch (err) {
    if (err instanceof JournalInUseError) throw err;
    log.error({ err }, `click journal ${dir} cannot be opened; redirects are counted through the database`);
    return null;
  }
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AccountsService } from './accounts/accounts-service.js';
import { assembleApi } from './assembly/api.js';
import { ingestRemoteJournal, journalLagOf, openJournalSide, type JournalSide } from './assembly/click-journal.js';
import type { AppContext } from './assembly/context.js';
import { createHttpServer } from './assembly/http-server.js';
import type { AppOptions } from './assembly/options.js';
import { installProbes } from './assembly/probes.js';
import { assembleRedirect, type RedirectRole } from './assembly/redirect.js';
import { installRequestPipeline } from './assembly/request-pipeline.js';
import { createSharedParts } from './assembly/shared.js';
import { assembleWorker, type WorkerRole } from './assembly/worker.js';
import type { JournalIngester } from './clicks/journal/journal-ingester.js';
import type { DeliveryEngine } from './delivery/engine.js';
import type { EventStreamHub } from './events/event-stream.js';
import { Outbox } from './events/outbox.js';
import type { BackgroundJob } from './jobs/background-job.js';
import { followDefaultDomain } from './links/default-domain.js';
import type { LinkService } from './links/link-service.js';
import { Metrics } from './metrics/metrics.js';
import { systemClock } from './runtime/clock.js';
import { createIdSource } from './runtime/ids.js';
import { isDatabaseUnavailable } from './storage/unavailable.js';

export interface App {
  readonly server: Server;
  readonly fastify: FastifyInstance;
  readonly deps: Pick<AppContext, 'config' | 'storage' | 'clock' | 'ids'>;
  readonly outbox: AppContext['outbox'];
  readonly links: LinkService;
  readonly accounts: AccountsService;
  readonly jobs: BackgroundJob[];
  /** The delivery engine when this process runs the worker role. */
  readonly engine: DeliveryEngine | null;
  /** The click journal's ingester when this process redirects with a journal. */
  readonly ingester: JournalIngester | null;
  /** This app writes a click journal (false without one, or when it could not be opened). */
  readonly journaling: boolean;
  /** Resolves once every click answered so far is in the database (immediate without a journal). */
  clicksSettled(): Promise<void>;
  readonly metrics: Metrics;
  /** The open /api/events/stream connections of this process. */
  readonly streams: EventStreamHub;
  listen(port?: number, host?: string): Promise<string>;
  /** Starts the background jobs without listening (a worker-only app in a worker thread). */
  startJobs(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds Linkwire from its parts; nothing listens until `listen()`. One context and the shared
 * parts, then each role of LINKWIRE_ROLE (config.roles) from its assembler in src/assembly/:
 * api.ts, worker.ts, redirect.ts.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, storage } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? createIdSource(() => clock.now());
  const metrics = options.metrics ?? new Metrics();
  const ctx: AppContext = { config, storage, clock, ids, outbox: new Outbox(ids, clock, (types) => metrics.eventsCommitted(types)) };
  const { server, fastify, answerVisits } = createHttpServer(config, options);
  let worker: WorkerRole | null = null;
  const shared = createSharedParts(ctx, { log: fastify.log, metrics, streamOptions: options.streamOptions, wakeMailSender: () => worker?.mailSender.poke() });
  let closing = false;

  await installRequestPipeline(fastify, ctx);
  await followBaseUrl(ctx, fastify.log);
  let journal: Pick<JournalSide, 'ingester' | 'publisher'> = { ingester: null, publisher: null };
  await installProbes(fastify, ctx, shared, { closing: () => closing, journalLag: (now) => journalLagOf(journal, now) });
  if (config.roles.has('api')) await assembleApi(fastify, ctx, shared);

  const jobs: BackgroundJob[] = [];
  if (config.roles.has('worker')) {
    worker = assembleWorker(ctx, shared, options);
    jobs.push(...worker.jobs);
  }
  // Where the ingester and a worker share a thread, ingested clicks' events are fanned out in the
  // ingest's own transaction (Fanout.fanOutInTransaction): no event_fanout row, no second
  // transaction reading each event back, and the deliveries go straight to this worker.
  const ingestOutbox = worker ? ctx.outbox.withInlineFanout(worker.engine.fanout) : ctx.outbox;
  // Ingesters start after the engine and stop before it: what the last batch hands over is sent.
  const remote = options.journalMode === 'ingest-only' ? ingestRemoteJournal(ctx, { log: fastify.log, ingestOutbox }) : null;
  if (remote) {
    journal = { ingester: remote.ingester, publisher: null };
    jobs.push(remote.job);
  }
  let redirect: RedirectRole | null = null;
  let journalWriter: JournalSide['writer'] = null;
  if (config.roles.has('redirect')) {
    const side = openJournalSide(ctx, { log: fastify.log, metrics, ingestOutbox, mode: options.journalMode ?? 'local' });
    journal = side.ingester || side.publisher ? side : journal;
    journalWriter = side.writer;
    jobs.push(...side.jobs);
    redirect = await assembleRedirect(ctx, shared, options, side);
    answerVisits(redirect.visits);
  }

  await fastify.ready();

  let closed = false;
  const startJobs = async () => {
    for (const job of jobs) await job.start();
  };
  return {
    server,
    fastify,
    deps: { config, storage, clock, ids },
    outbox: ctx.outbox,
    links: shared.links,
    accounts: shared.accounts,
    jobs,
    engine: worker?.engine ?? null,
    ingester: journal.ingester,
    journaling: journalWriter !== null,
    clicksSettled: async () => {
      await redirect?.settled();
      await (journal.ingester?.settled() ?? journal.publisher?.settled());
    },
    metrics,
    streams: shared.streams,
    async listen(port = config.port, host = config.host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      await startJobs();
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${shownHost}:${address.port}`;
    },
    startJobs,
    async close() {
      if (closed) return;
      closed = true;
      closing = true;
      // Open event streams never end on their own: end them, or server.close() would wait on them.
      shared.streams.close();
      // Stop taking requests, let in-flight redirects finish their group commit, then stop jobs.
      const serverClosed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5_000).unref();
      await serverClosed;
      await redirect?.close();
      for (const job of [...jobs].reverse()) await job.stop();
      await fastify.close();
      await shared.close();
    },
  };
}

/**
 * Default-domain links follow LINKWIRE_BASE_URL (moved once when it changed). Not fatal: with the
 * database away the move waits for the next start.
 */
async function followBaseUrl({ config, storage, clock }: AppContext, log: FastifyBaseLogger): Promise<void> {
  try {
    const move = await followDefaultDomain(storage, config.defaultDomain, clock.now());
    if (move) log.warn(`LINKWIRE_BASE_URL changed: ${move.moved} links moved from ${move.from} to ${move.to}${move.conflicts ? `; ${move.conflicts} stay on ${move.from}, their slugs are taken on ${move.to}` : ''}`);
  } catch (err) {
    if (!isDatabaseUnavailable(err)) throw err;
    log.warn({ err }, 'default-domain links not checked against LINKWIRE_BASE_URL: database unavailable');
  }
}

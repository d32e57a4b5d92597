import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccountsService } from './accounts/accounts-service.js';
import { PlanTable } from './accounts/plans.js';
import { accountRoutes } from './accounts/routes.js';
import { twoFactorRoutes } from './accounts/two-factor-routes.js';
import { OidcClient } from './sso/oidc-client.js';
import { ssoRoutes } from './sso/routes.js';
import { SsoService } from './sso/sso-service.js';
import { ClickRecorder } from './clicks/click-recorder.js';
import { ClickJournal, type JournalOptions } from './clicks/journal/click-journal.js';
import type { AttemptNotice } from './events/attempt-notice.js';
import { JournalInUseError } from './clicks/journal/journal-lock.js';
import { followDefaultDomain } from './links/default-domain.js';
import { JournalIngester } from './clicks/journal/journal-ingester.js';
import { JournaledRecorder } from './clicks/journal/journaled-recorder.js';
import { JournalPublisher, RemoteJournal } from './clicks/journal/journal-thread-bridge.js';
import { fastifyTrustProxy } from './clicks/client-ip.js';
import { createGeoLookup, type GeoLookup } from './clicks/geo.js';
import { OrphanVisits } from './clicks/orphan-visits.js';
import { createUserAgentParser } from './clicks/user-agent.js';
import { systemClock, type Clock } from './runtime/clock.js';
import type { Config } from './config.js';
import { Outbox } from './events/outbox.js';
import { eventRoutes } from './events/routes.js';
import { recordLoginFailure } from './accounts/login-failures.js';
import { SESSION_COOKIE } from './accounts/tokens.js';
import { assertTwoFactorSetUp, createAuthenticator, installActorContext } from './http/auth.js';
import { installErrorHandler, UNAVAILABLE_RETRY_AFTER_S } from './http/error-handler.js';
import { installJsonBodyParser } from './http/json-body.js';
import { installControlCharacterCheck } from './http/control-characters.js';
import { requestLogSerializer } from './http/log-redaction.js';
import { assertSameOriginWrite } from './http/cross-site.js';
import { answerClientError } from './http/client-error.js';
import { installValidators } from './http/validation.js';
import { healthSchema, installOpenApi, readySchema } from './openapi/document.js';
import { createIdSource, type IdSource } from './runtime/ids.js';
import { LinkService } from './links/link-service.js';
import { linkRoutes } from './links/routes.js';
import { DomainDirectory } from './redirect/domain-directory.js';
import { LinkCache } from './redirect/link-cache.js';
import { createDomainRootHandler } from './redirect/domain-root.js';
import { createRedirectHandler, redirectSlugOf } from './redirect/redirect-handler.js';
import type { Storage } from './storage/storage.js';
import { isDatabaseUnavailable } from './storage/unavailable.js';
import type { BackgroundJob } from './jobs/background-job.js';
import { createDeliveryEngine, type DeliveryEngine } from './delivery/engine.js';
import { DeliveryService } from './delivery/delivery-service.js';
import { deliveryRoutes } from './delivery/routes.js';
import { createTargetClient } from './outbound/target-client.js';
import { createDeliveryTransport } from './outbound/transport.js';
import type { WorkerOptions } from './delivery/worker.js';
import { CidrSet } from './net/cidr.js';
import { installAccessPolicy } from './api-keys/access-policy.js';
import { ApiKeyService } from './api-keys/api-key-service.js';
import { apiKeyRoutes } from './api-keys/routes.js';
import { DomainService } from './domains/domain-service.js';
import { DomainVerifier } from './domains/domain-verifier.js';
import { domainRoutes } from './domains/routes.js';
import { IntegrationService } from './integrations/integration-service.js';
import { integrationRoutes } from './integrations/routes.js';
import { MemberService } from './members/member-service.js';
import { memberRoutes } from './members/routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { WebhookService } from './webhooks/webhook-service.js';
import { qrRoutes } from './qr/routes.js';
import { StatsService } from './stats/stats-service.js';
import { AnalyticsService } from './analytics/analytics-service.js';
import { analyticsRoutes } from './analytics/routes.js';
import { loadPublicStats } from './analytics/public-stats.js';
import { createPublicStatsHandler } from './redirect/public-stats-page.js';
import { conversionRoutes } from './conversions/routes.js';
import { ConversionService } from './conversions/conversion-service.js';
import { statsRoutes } from './stats/routes.js';
import { LinkMonitor, type LinkMonitorOptions } from './monitoring/link-monitor.js';
import { RetentionJob } from './retention/retention-job.js';
import { ExpiryTimer } from './links/expiry-timer.js';
import { webhookFormatRoutes } from './webhooks/format-routes.js';
import { createFramingCheck } from './links/framing-check.js';
import { monitorRoutes } from './monitoring/routes.js';
import { clickRoutes } from './clicks/routes.js';
import { RecentClicks } from './clicks/recent-clicks.js';
import { webhookHealthRoutes } from './delivery/health-routes.js';
import { WebhookHealthReport } from './delivery/webhook-health.js';
import { loadDashboardFiles } from './web/dashboard-files.js';
import { dashboardRoutes } from './web/dashboard-routes.js';
import { filterCheckRoutes } from './webhooks/filter-check-routes.js';
import { EventStreamHub, type EventStreamOptions } from './events/event-stream.js';
import { eventStreamRoutes } from './events/stream-routes.js';
import { StreamQuota } from './events/stream-quota.js';
import { Metrics } from './metrics/metrics.js';
import { metricsRoutes } from './metrics/routes.js';
import { addAppGauges } from './metrics/app-gauges.js';
import { deliveryMetrics } from './metrics/delivery-observer.js';
import { MailQueue } from './mail/mail-queue.js';
import { MailSender, type MailSenderOptions } from './mail/mail-sender.js';
import { EndpointAlerts } from './mail/endpoint-alerts.js';
import { PendingResets } from './mail/pending-resets.js';
import { mailRoutes } from './mail/routes.js';

export interface AppDeps {
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
  journalMode?: 'local' | 'write-only' | 'ingest-only';
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


export interface App {
  readonly server: Server;
  readonly fastify: FastifyInstance;
  readonly deps: Required<Pick<AppDeps, 'config' | 'storage' | 'clock' | 'ids'>>;
  readonly outbox: Outbox;
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

/** Builds Linkwire from its parts; nothing listens until `listen()`. */
export async function createApp(input: AppDeps): Promise<App> {
  const { config, storage } = input;
  const clock = input.clock ?? systemClock;
  const ids = input.ids ?? createIdSource(() => clock.now());
  const metrics = input.metrics ?? new Metrics();
  const outbox = new Outbox(ids, clock, (types) => metrics.eventsCommitted(types));
  const streams = new EventStreamHub(storage, input.streamOptions);
  const plans = new PlanTable(config.plans);
  // Mail queued here is sent by the worker role; in a process that has one, it looks at once.
  let mailSender: MailSender | null = null;
  const mail = new MailQueue(ids, clock, () => mailSender?.poke());
  const accounts = new AccountsService({ config, storage, clock, ids, outbox, plans, mail });
  // Cloaked links: asks destinations whether they may be framed, with the webhook SSRF rules
  // (destinations may be plain http, as for link monitoring).
  const destinationClient = createTargetClient({
    allowPrivate: new CidrSet(config.allowPrivateWebhookTargets),
    dnsServer: config.dnsServer,
    allowPublicHttp: true,
    connectionsPerOrigin: 2,
  });
  const links = new LinkService({ config, storage, clock, ids, outbox, framing: createFramingCheck(destinationClient) });
  const domainService = new DomainService({ config, storage, clock, ids, outbox, links });
  const jobs: BackgroundJob[] = [];

  let closing = false;
  let fastifyHandler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let redirect: ((req: IncomingMessage, res: ServerResponse, slug: string) => void) | null = null;
  /** `/` on a custom domain (redirect role): answered here, never the dashboard's log-in page. */
  let domainRoot: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;

  const server = createServer(listenerOptions(config), (req, res) => {
    const slug = redirect ? redirectSlugOf(req) : null;
    if (slug !== null && redirect) redirect(req, res, slug);
    else if (domainRoot?.(req, res)) return;
    else fastifyHandler!(req, res);
  });

  const fastify = Fastify({
    logger: { level: input.logLevel ?? config.logLevel, serializers: { req: requestLogSerializer } },
    bodyLimit: 1024 * 1024,
    clientErrorHandler: answerClientError,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    serverFactory: (handler) => {
      fastifyHandler = handler;
      return server;
    },
  });
  limitConnections(server, config, (message) => fastify.log.warn(message));
  if (input.onRoute) {
    const observe = input.onRoute;
    fastify.addHook('onRoute', (route) => observe({ method: route.method, url: route.url }));
  }
  installValidators(fastify);
  installErrorHandler(fastify);
  installJsonBodyParser(fastify);
  installControlCharacterCheck(fastify);
  await installOpenApi(fastify, { serve: config.roles.has('api') });

  // Default-domain links follow LINKWIRE_BASE_URL (moved once when it changed). Not fatal: with
  // the database away the move waits for the next start.
  try {
    const move = await followDefaultDomain(storage, config.defaultDomain, clock.now());
    if (move) fastify.log.warn(`LINKWIRE_BASE_URL changed: ${move.moved} links moved from ${move.from} to ${move.to}${move.conflicts ? `; ${move.conflicts} stay on ${move.from}, their slugs are taken on ${move.to}` : ''}`);
  } catch (err) {
    if (!isDatabaseUnavailable(err)) throw err;
    fastify.log.warn({ err }, 'default-domain links not checked against LINKWIRE_BASE_URL: database unavailable');
  }

  // A loop reports its first failure only (it backs off and reports recovery itself); the database
  // being unreachable is an outage to note, not an error of ours.
  const logJobError = (job: string, err: unknown) =>
    isDatabaseUnavailable(err) ? fastify.log.warn({ err }, `${job}: database unavailable, backing off`) : fastify.log.error({ err }, `${job} error`);
  // During an outage every redirect fails alike (503 + Retry-After): one line per 30 s, not one per visit.
  let redirectOutageLoggedAt = -Infinity;
  const logRedirectError = (err: unknown) => {
    if (!isDatabaseUnavailable(err)) return fastify.log.error({ err }, 'redirect failed');
    if (Date.now() - redirectOutageLoggedAt < 30_000) return;
    redirectOutageLoggedAt = Date.now();
    fastify.log.warn({ err }, 'redirect: database unavailable, answering 503');
  };

  const authenticate = createAuthenticator(storage, clock);
  fastify.decorateRequest('principal', null);
  fastify.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const routeConfig = request.routeOptions.config as { public?: boolean; optionalAuth?: boolean; sameOriginWithCookie?: boolean; twoFactorSetup?: boolean } | undefined;
    if (routeConfig?.optionalAuth) {
      // Answers anonymous callers too (the dashboard asks "am I logged in?" without a 401 in the console).
      request.principal = await authenticate(request).catch(() => null);
      return;
    }
    if (routeConfig?.public) {
      if (routeConfig.sameOriginWithCookie && request.headers.cookie?.includes(SESSION_COOKIE)) assertSameOriginWrite(request, config.baseUrl);
      return;
    }
    request.principal = await authenticate(request);
    if (request.principal.via === 'session') assertSameOriginWrite(request, config.baseUrl);
    assertTwoFactorSetUp(request.principal, routeConfig);
  });
  installAccessPolicy(fastify);
  installActorContext(fastify);

  const journalMode = input.journalMode ?? 'local';
  let ingester: JournalIngester | null = null;
  let publisher: JournalPublisher | null = null;
  await fastify.register(metricsRoutes(metrics, config.metricsToken));
  addAppGauges(metrics, { storage, clock, streams: () => streams.size });

  // Liveness plus the database: non-200 while the database cannot be reached, so an orchestrator sees the outage.
  fastify.get('/healthz', { schema: healthSchema, config: { public: true } }, async (_request, reply) => {
    const database = await databaseState(storage);
    // The click journal's lag (redirect processes): clicks answered but not yet in the database.
    const lag = ingester?.lag(Date.now()) ?? publisher?.lag(Date.now());
    const journal = lag ? { journal: lag } : {};
    if (database !== 'up') return reply.status(503).header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S)).send({ status: 'degraded', database, ...journal });
    return { status: 'ok', database, ...journal };
  });
  // Readiness for load balancers: send traffic only while the database answers and we are not shutting down.
  fastify.get('/readyz', { schema: readySchema, config: { public: true } }, async (_request, reply) => {
    const database = closing ? 'not checked' : await databaseState(storage);
    const ready = !closing && database === 'up';
    if (!ready) {
      return reply
        .status(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S))
        .send({ ready: false, reason: closing ? 'shutting down' : 'database unavailable', database });
    }
    return { ready: true, database };
  });
  const ingesterJob = (journalIngester: JournalIngester, after?: () => void): BackgroundJob => ({
    name: 'click-ingester',
    start: () => journalIngester.start(),
    // Runs after the journal closed: move what is left into the database while it is up.
    stop: async () => {
      await journalIngester.drain(5_000);
      await journalIngester.stop();
      after?.();
    },
  });

  if (config.roles.has('api')) {
    await fastify.register(accountRoutes(accounts, (failure) => recordLoginFailure({ storage, outbox }, failure), config.baseUrl.startsWith('https:')));
    await fastify.register(twoFactorRoutes(accounts.twoFactor));
    const sso = config.oidc ? new SsoService({ config, storage, clock, ids, outbox, oidc: new OidcClient(config.oidc, `${config.baseUrl}/api/auth/oidc/callback`) }) : null;
    await fastify.register(ssoRoutes(sso, { baseUrl: config.baseUrl }));
    await fastify.register(linkRoutes(links));
    await fastify.register(qrRoutes(links));
    await fastify.register(statsRoutes(new StatsService({ storage, clock, links })));
    await fastify.register(analyticsRoutes({ analytics: new AnalyticsService({ storage, baseUrl: config.baseUrl }), accounts, storage, clock, baseUrl: config.baseUrl }));
    await fastify.register(conversionRoutes(new ConversionService({ storage, clock, ids, outbox, baseUrl: config.baseUrl })));
    await fastify.register(monitorRoutes(links, storage));
    await fastify.register(domainRoutes(domainService));
    await fastify.register(memberRoutes(new MemberService({ storage, clock, ids, outbox, mail, baseUrl: config.baseUrl })));
    await fastify.register(
      mailRoutes({ pending: new PendingResets({ storage, clock, baseUrl: config.baseUrl }), smtpConfigured: config.smtpUrl !== null, isOperator: (userId) => accounts.isOperator(userId) }),
    );
    await fastify.register(apiKeyRoutes(new ApiKeyService({ storage, clock, ids, outbox })));
    await fastify.register(integrationRoutes(new IntegrationService({ storage, clock, ids, outbox })));
    await fastify.register(webhookRoutes(new WebhookService({ config, storage, clock, ids, plans })));
    await fastify.register(eventRoutes(storage, clock));
    await fastify.register(clickRoutes(new RecentClicks({ storage, links })));
    await fastify.register(webhookHealthRoutes(new WebhookHealthReport({ storage, clock })));
    await fastify.register(filterCheckRoutes());
    await fastify.register(webhookFormatRoutes({ ids, clock, destinations: config.destinations }));
    await fastify.register(dashboardRoutes(loadDashboardFiles()));
    await fastify.register(eventStreamRoutes(streams, new StreamQuota({ perKey: config.streamsPerKey, perWorkspace: config.streamsPerWorkspace })));
  }

  const targetClient = createTargetClient({
    allowPrivate: new CidrSet(config.allowPrivateWebhookTargets),
    dnsServer: config.dnsServer,
    connectionsPerOrigin: 64,
  });
  // Webhook attempts go over HTTPS or, for a broker URL (LINKWIRE_DESTINATIONS), to that broker.
  const transport = createDeliveryTransport(targetClient);
  const deliveries = new DeliveryService({ storage, clock, ids, client: transport });
  if (config.roles.has('api')) await fastify.register(deliveryRoutes(deliveries));

  let engine: DeliveryEngine | null = null;
  if (config.roles.has('worker')) {
    engine = createDeliveryEngine({
      storage,
      clock,
      ids,
      outbox,
      client: transport,
      random: input.random ?? Math.random,
      workerOptions: { leaseMs: config.deliveryLeaseMs, ...input.workerOptions },
      onError: (err) => logJobError('delivery engine', err),
      onRecover: (job, failures) => fastify.log.warn(`${job}: working again after ${failures} failed runs`),
      observer: {
        ...deliveryMetrics(metrics, () => clock.now()),
        attemptsCommitted: (notices) => {
          streams.attemptsCommitted(notices);
          input.onAttemptsCommitted?.(notices);
        },
      },
      alerts: new EndpointAlerts(mail),
    });
    jobs.push(...engine.jobs);
    mailSender = new MailSender(
      { storage, clock, baseUrl: config.baseUrl, smtpUrl: config.smtpUrl, from: config.mailFrom, log: { info: (m) => fastify.log.info(m), warn: (m) => fastify.log.warn(m) } },
      input.mailOptions,
      (err) => logJobError('mail sender', err),
    );
    jobs.push(mailSender);
  }

  // Where the ingester and a worker share a thread, ingested clicks' events are fanned out in the
  // ingest's own transaction (Fanout.fanOutInTransaction): no event_fanout row, no second
  // transaction reading each event back, and the deliveries go straight to this worker.
  const ingestOutbox = engine ? outbox.withInlineFanout(engine.fanout) : outbox;
  // Started after the engine and stopped before it: what the last batch hands over is sent.
  if (journalMode === 'ingest-only' && config.journalDir !== null) {
    const remote = new RemoteJournal(config.journalDir);
    ingester = new JournalIngester(remote, { storage, outbox: ingestOutbox }, { log: fastify.log });
    jobs.push(ingesterJob(ingester, () => remote.close()));
  }

  if (config.roles.has('worker')) jobs.push(new LinkMonitor({ storage, clock, outbox, config }, { onError: (err) => logJobError('link monitor', err), onRecover: (failures) => fastify.log.warn(`link monitor: working again after ${failures} failed runs`), ...input.monitorOptions }));
  if (config.roles.has('worker')) {
    jobs.push(
      new RetentionJob({ storage, clock, config }, { onError: (err) => logJobError('retention', err), onRecover: (failures) => fastify.log.warn(`retention: working again after ${failures} failed runs`) }),
    );
  }
  if (config.roles.has('worker')) {
    jobs.push(
      new ExpiryTimer({ storage, clock, outbox, config }, { onError: (err) => logJobError('link expiry', err), onRecover: (failures) => fastify.log.warn(`link expiry: working again after ${failures} failed runs`) }),
    );
  }
  if (config.roles.has('worker')) jobs.push(new DomainVerifier(domainService, { onError: (err) => fastify.log.error({ err }, 'domain check failed') }));

  let closeRedirect: (() => Promise<void>) | null = null;
  let orphanVisits: OrphanVisits | null = null;
  let journalWriter: ClickJournal | null = null;
  if (config.roles.has('redirect')) {
    const cache = new LinkCache(storage, config.baseUrl, config.defaultDomain, undefined, config.linkCacheTtlMs);
    const domains = new DomainDirectory(storage, config.defaultDomain);
    await domains.start(config.linkCacheTtlMs);
    const recorder = new ClickRecorder({ storage, outbox, ids, clock }, { flushMs: config.clickFlushMs });
    let journal: ClickJournal | null = null;
    if (config.journalDir !== null) {
      journal = openJournal(config.journalDir, {
        segmentBytes: 64 * 1024 * 1024,
        maxBytes: config.journalMaxBytes,
        fsync: config.journalFsync,
        onWarning: (message) => fastify.log.warn(message),
        onError: (message) => fastify.log.error(message),
        onRecovered: (message) => fastify.log.warn(message),
      }, fastify.log);
    }
    journalWriter = journal;
    if (journal !== null) {
      const writer = journal;
      if (journalMode === 'write-only') {
        publisher = new JournalPublisher(writer);
      } else {
        ingester = new JournalIngester(writer, { storage, outbox: ingestOutbox }, { log: fastify.log });
        jobs.push(ingesterJob(ingester));
      }
      // The same figures as /healthz's `journal`. Read here, where the writer lives: with the worker
      // thread the ingester reports each committed position back to the writer (the publisher).
      const lagSource = ingester ?? publisher;
      if (lagSource) {
        const lag = () => lagSource.lag(Date.now());
        metrics.addGauge({ name: 'linkwire_journal_lag_records', help: 'Answered clicks in the click journal not yet ingested into the database', read: () => lag().records_behind });
        metrics.addGauge({ name: 'linkwire_journal_lag_seconds', help: 'How far the click journal ingester is behind, in seconds (0 when caught up)', read: () => lag().seconds_behind });
        metrics.addGauge({ name: 'linkwire_journal_lag_bytes', help: 'Bytes of the click journal not yet ingested', read: () => lag().bytes_behind });
        metrics.addGauge({ name: 'linkwire_journal_max_bytes', help: 'The click journal size bound (LINKWIRE_JOURNAL_MAX_MB); redirects fall back to the database path beyond it', read: () => lag().max_bytes });
      }
      metrics.addGauge({ name: 'linkwire_journal_write_failing', help: '1 while the click journal cannot be written (a full disk, its directory removed): redirects are counted through the database meanwhile', read: () => (writer.writeError() === null ? 0 : 1) });
    }
    const publicStatsDeps = { storage, clock, analytics: new AnalyticsService({ storage, baseUrl: config.baseUrl }) };
    const geo = input.geo ?? createGeoLookup();
    const parseUserAgent = createUserAgentParser();
    const orphans = new OrphanVisits({ storage, outbox, ids, clock, config, geo, parseUserAgent, onError: (err) => logJobError('orphan visits', err) });
    orphanVisits = orphans;
    const handler = createRedirectHandler({
      config,
      clock,
      ids,
      cache,
      domains,
      recorder: journal ? new JournaledRecorder(journal, recorder, clock) : recorder,
      geo,
      parseUserAgent,
      onUnknownSlug: (req, domain, slug) => orphans.note(req, domain, slug),
      onError: (err) => logRedirectError(err),
      onAnswered: (status, seconds) => metrics.redirectAnswered(status, seconds),
      publicStats: createPublicStatsHandler({ cache, domains, load: (link) => loadPublicStats(publicStatsDeps, link) }),
      ...(input.random ? { random: input.random } : {}),
    });
    redirect = handler;
    domainRoot = createDomainRootHandler({ domains, defaultDomain: config.defaultDomain, rootUrl: config.rootUrl, onRootNotFound: (req, domain) => orphans.note(req, domain, null) });
    closeRedirect = async () => {
      await recorder.close();
      await orphans.close();
      await journal?.close();
      publisher?.close();
      cache.close();
      domains.close();
    };
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
    outbox,
    links,
    accounts,
    jobs,
    engine,
    ingester,
    journaling: journalWriter !== null,
    clicksSettled: async () => {
      await orphanVisits?.settled();
      await (ingester?.settled() ?? publisher?.settled());
    },
    metrics,
    streams,
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
      streams.close();
      // Stop taking requests, let in-flight redirects finish their group commit, then stop jobs.
      const serverClosed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5_000).unref();
      await serverClosed;
      if (closeRedirect) await closeRedirect();
      for (const job of [...jobs].reverse()) await job.stop();
      await fastify.close();
      await transport.close();
      await destinationClient.close();
    },
  };
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

/**
 * Timeouts of the listener, so no connection holds a file descriptor for nothing: a socket that
 * sends no (complete) request headers is answered 408 and closed after headersTimeoutMs, a request
 * whose body has not arrived after requestTimeoutMs likewise; an idle keep-alive connection is
 * closed after 65 s (longer than the usual load balancer's 60 s, so the balancer closes first),
 * and any connection with no traffic either way for 2 minutes (an event stream sends a heartbeat
 * every 15 s). The timeouts are checked every quarter of the headers timeout (at most 5 s).
 */
export function listenerOptions(config: Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs'>) {
  return {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: Math.max(config.requestTimeoutMs, config.headersTimeoutMs),
    connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(config.headersTimeoutMs / 4))),
    keepAliveTimeout: 65_000,
  };
}

/** Caps open connections (LINKWIRE_MAX_CONNECTIONS); says so in the log, once a minute at most, while it drops some. */
function limitConnections(server: Server, config: Pick<Config, 'maxConnections'>, log: (message: string) => void): void {
  server.maxConnections = config.maxConnections;
  server.setTimeout(120_000);
  let dropped = 0;
  let reportedAt = -Infinity;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - reportedAt < 60_000) return;
    reportedAt = now;
    log(`connection refused: ${config.maxConnections} connections are open, the most this process accepts (LINKWIRE_MAX_CONNECTIONS); ${dropped} refused so far`);
  });
}

/** 'up' when a trivial query answers; 'down' when the database cannot be reached. Other errors propagate. */
async function databaseState(storage: Storage): Promise<'up' | 'down'> {
  try {
    await storage.db.selectFrom('workspaces').select('id').limit(1).execute();
    return 'up';
  } catch (err) {
    if (isDatabaseUnavailable(err)) return 'down';
    throw err;
  }
}

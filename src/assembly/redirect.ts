import { AnalyticsService } from '../analytics/analytics-service.js';
import { loadPublicStats } from '../analytics/public-stats.js';
import { ClickRecorder } from '../clicks/click-recorder.js';
import { createGeoLookup } from '../clicks/geo.js';
import { JournaledRecorder } from '../clicks/journal/journaled-recorder.js';
import { OrphanVisits } from '../clicks/orphan-visits.js';
import { createUserAgentParser } from '../clicks/user-agent.js';
import { createDomainRootHandler } from '../redirect/domain-root.js';
import { DomainDirectory } from '../redirect/domain-directory.js';
import { LinkCache } from '../redirect/link-cache.js';
import { createPublicStatsHandler } from '../redirect/public-stats-page.js';
import { createRedirectHandler } from '../redirect/redirect-handler.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import type { JournalSide } from './click-journal.js';
import type { AppContext } from './context.js';
import { jobReports } from './job-reports.js';
import type { VisitHandlers } from './http-server.js';
import type { AppOptions } from './options.js';
import type { SharedParts } from './shared.js';

export interface RedirectRole {
  /** Answered ahead of Fastify (src/assembly/http-server.ts). */
  readonly visits: VisitHandlers;
  /** Resolves once every orphan visit noted so far is stored. */
  settled(): Promise<void>;
  /** After the listener closed: flushes the recorder and the orphan visits, closes the journal and the caches. */
  close(): Promise<void>;
}

/**
 * The redirect role: `/<slug>` answered from the link cache, the click made durable in the journal
 * (or the database without one) before the answer, `/<slug>+` public stats, `/` on a custom domain.
 */
export async function assembleRedirect(ctx: AppContext, shared: SharedParts, options: AppOptions, journal: JournalSide): Promise<RedirectRole> {
  const { config, storage, clock } = ctx;
  const { log } = shared;
  const cache = new LinkCache(storage, config.baseUrl, config.defaultDomain, undefined, config.linkCacheTtlMs);
  const domains = new DomainDirectory(storage, config.defaultDomain);
  await domains.start(config.linkCacheTtlMs);
  const recorder = new ClickRecorder(ctx, { flushMs: config.clickFlushMs });
  const publicStatsDeps = { storage, clock, analytics: new AnalyticsService({ storage, baseUrl: config.baseUrl }) };
  const geo = options.geo ?? createGeoLookup();
  const parseUserAgent = createUserAgentParser();
  const orphans = new OrphanVisits({ ...ctx, geo, parseUserAgent, onError: jobReports(log, 'orphan visits').onError });
  const redirect = createRedirectHandler({
    ...ctx,
    cache,
    domains,
    recorder: journal.writer ? new JournaledRecorder(journal.writer, recorder, clock) : recorder,
    geo,
    parseUserAgent,
    onUnknownSlug: (req, domain, slug) => orphans.note(req, domain, slug),
    onError: redirectErrorLog(log),
    onAnswered: (status, seconds) => shared.metrics.redirectAnswered(status, seconds),
    publicStats: createPublicStatsHandler({ cache, domains, load: (link) => loadPublicStats(publicStatsDeps, link) }),
    ...(options.random ? { random: options.random } : {}),
  });
  const domainRoot = createDomainRootHandler({ domains, defaultDomain: config.defaultDomain, rootUrl: config.rootUrl, onRootNotFound: (req, domain) => orphans.note(req, domain, null) });
  return {
    visits: { redirect, domainRoot },
    settled: () => orphans.settled(),
    async close() {
      await recorder.close();
      await orphans.close();
      await journal.writer?.close();
      journal.publisher?.close();
      cache.close();
      domains.close();
    },
  };
}

/** During an outage every redirect fails alike (503 + Retry-After): one line per 30 s, not one per visit. */
function redirectErrorLog(log: SharedParts['log']): (err: unknown) => void {
  let outageLoggedAt = -Infinity;
  return (err) => {
    if (!isDatabaseUnavailable(err)) return log.error({ err }, 'redirect failed');
    if (Date.now() - outageLoggedAt < 30_000) return;
    outageLoggedAt = Date.now();
    log.warn({ err }, 'redirect: database unavailable, answering 503');
  };
}

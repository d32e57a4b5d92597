import type { FastifyInstance } from 'fastify';
import type { JournalLag } from '../clicks/journal/journal-ingester.js';
import { UNAVAILABLE_RETRY_AFTER_S } from '../http/error-handler.js';
import { addAppGauges } from '../metrics/app-gauges.js';
import { metricsRoutes } from '../metrics/routes.js';
import { healthSchema, readySchema } from '../openapi/document.js';
import type { Storage } from '../storage/storage.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import type { AppContext } from './context.js';
import type { SharedParts } from './shared.js';

/** What the probes ask of the process as it runs. */
export interface ProbeState {
  closing(): boolean;
  /** The click journal's lag (redirect processes), undefined without one. */
  journalLag(now: number): JournalLag | undefined;
}

/** What an operator's tools ask every role: /metrics, /healthz (liveness) and /readyz (readiness). */
export async function installProbes(fastify: FastifyInstance, ctx: AppContext, shared: Pick<SharedParts, 'metrics' | 'streams'>, state: ProbeState): Promise<void> {
  const { config, storage, clock } = ctx;
  const { metrics, streams } = shared;
  await fastify.register(metricsRoutes(metrics, config.metricsToken));
  addAppGauges(metrics, { storage, clock, streams: () => streams.size });

  // Liveness plus the database: non-200 while the database cannot be reached, so an orchestrator sees the outage.
  fastify.get('/healthz', { schema: healthSchema, config: { public: true } }, async (_request, reply) => {
    const database = await databaseState(storage);
    // Clicks answered but not yet in the database.
    const lag = state.journalLag(Date.now());
    const journal = lag ? { journal: lag } : {};
    if (database !== 'up') return reply.status(503).header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S)).send({ status: 'degraded', database, ...journal });
    return { status: 'ok', database, ...journal };
  });
  // Readiness for load balancers: send traffic only while the database answers and we are not shutting down.
  fastify.get('/readyz', { schema: readySchema, config: { public: true } }, async (_request, reply) => {
    const closing = state.closing();
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

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyTrustProxy } from '../clicks/client-ip.js';
import type { Config } from '../config.js';
import { answerClientError } from '../http/client-error.js';
import { requestLogSerializer } from '../http/log-redaction.js';
import { redirectSlugOf } from '../redirect/redirect-handler.js';

/** The redirect role's answers, ahead of Fastify: a slug, and `/` on a custom domain. */
export interface VisitHandlers {
  redirect(req: IncomingMessage, res: ServerResponse, slug: string): void;
  /** Answers `/` on a custom domain (never the dashboard's log-in page); false: not one, Fastify answers. */
  domainRoot(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface HttpServer {
  readonly server: Server;
  readonly fastify: FastifyInstance;
  /** From now on, redirects are answered before Fastify sees the request (the redirect role). */
  readonly answerVisits: (handlers: VisitHandlers) => void;
}

/**
 * The one listener of a process: a plain node:http server whose requests go to the redirect
 * handler when they name a slug (no Fastify routing or hooks on the hottest path), else to Fastify.
 */
export function createHttpServer(config: Config, options: { logLevel?: string | undefined; onRoute?: ((route: { method: string | string[]; url: string }) => void) | undefined }): HttpServer {
  let fastifyHandler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let visits: VisitHandlers | null = null;
  const server = createServer(listenerOptions(config), (req, res) => {
    const slug = visits ? redirectSlugOf(req) : null;
    if (slug !== null && visits) visits.redirect(req, res, slug);
    else if (visits?.domainRoot(req, res)) return;
    else fastifyHandler!(req, res);
  });
  const fastify = Fastify({
    logger: { level: options.logLevel ?? config.logLevel, serializers: { req: requestLogSerializer } },
    bodyLimit: 1024 * 1024,
    clientErrorHandler: answerClientError,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    serverFactory: (handler) => {
      fastifyHandler = handler;
      return server;
    },
  });
  limitConnections(server, config, (message) => fastify.log.warn(message));
  if (options.onRoute) {
    const observe = options.onRoute;
    fastify.addHook('onRoute', (route) => observe({ method: route.method, url: route.url }));
  }
  return {
    server,
    fastify,
    answerVisits: (handlers) => {
      visits = handlers;
    },
  };
}

/**
 * Timeouts of the listener, so no connection holds a file descriptor for nothing: a socket that
 * sends no (complete) request headers is answered 408 and closed after headersTimeoutMs, a request
 * whose body has not arrived after requestTimeoutMs likewise; an idle keep-alive connection is
 * closed after 65 s (longer than the usual load balancer's 60 s, so the balancer closes first),
 * and any connection with no traffic either way for 2 minutes (an event stream sends a heartbeat
 * every 15 s). The timeouts are checked every quarter of the headers timeout (at most 5 s).
 */
function listenerOptions(config: Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs'>) {
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

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_PLAN, parsePlans, type Plan } from './accounts/plans.js';
import type { TrustProxy } from './clicks/client-ip.js';
import { ConfigError } from './config/config-error.js';
import { parseBoolean, parseDnsServer, parseInteger, parseRootUrl, parseSecretKey, parseSmtpUrl, parseTrustProxySetting } from './config/env-values.js';
import { parseOidc, type OidcSettings } from './config/oidc-settings.js';
import { parseWorkerHeapMb, parseWorkerNice, type WorkerNice } from './config/worker-thread-settings.js';
import { parseCidrList, type Cidr } from './net/cidr.js';
import { parseDestinationPrefixes } from './outbound/destinations.js';

export type Role = 'api' | 'redirect' | 'worker';

/** Everything Linkwire reads from its environment, validated once and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /**
   * LINKWIRE_HEALTH_PORT: where a worker-only process (LINKWIRE_ROLE=worker) serves /healthz,
   * /readyz and /metrics; null: it listens nowhere. The worker needs no public port, and on one
   * host it must not take the api's or a redirect's PORT. Other roles answer those on PORT.
   */
  readonly healthPort: number | null;
  readonly databaseUrl: string;
  readonly baseUrl: string;
  /** Hostname (with port, when not default) of the default short domain. */
  readonly defaultDomain: string;
  /** LINKWIRE_ROOT_URL: where `/` on a custom domain sends visitors; null: a 404 there. */
  readonly rootUrl: string | null;
  readonly roles: ReadonlySet<Role>;
  readonly allowPrivateWebhookTargets: readonly Cidr[];
  readonly dnsServer: { host: string; port: number } | null;
  /**
   * LINKWIRE_DESTINATIONS: broker URL prefixes (nats://, redis://, …) a webhook `url` may start with
   * (SPEC §5c, docs/destinations.md), normalised, credentials left out; empty: no broker destinations.
   */
  readonly destinations: readonly string[];
  /** Which X-Forwarded-For hops to believe (README: LINKWIRE_TRUST_PROXY). */
  readonly trustProxy: TrustProxy;
  readonly geoHeader: string | null;
  readonly signupOpen: boolean;
  /** Lower-cased emails of the instance's operators (LINKWIRE_ADMIN_EMAILS): they may change plans. */
  readonly adminEmails: ReadonlySet<string>;
  /**
   * How long the click recorder gathers clicks before committing them as one transaction.
   * 0: commit at once what has arrived, and gather the next batch while that commit runs.
   */
  readonly clickFlushMs: number;
  /**
   * Where the click journal keeps its segment files; null: no journal, each click is committed to
   * the database before its redirect answers. See docs/click-journal.md.
   */
  readonly journalDir: string | null;
  /** Bytes of un-ingested clicks the journal may hold before falling back to the database path. */
  readonly journalMaxBytes: number;
  /** fdatasync each journal write (survives power loss, not only a killed process). */
  readonly journalFsync: boolean;
  readonly deliveryRetentionDays: number;
  /** How long the redirect keeps a link (or a slug's 404) and the domain list without a change signal. */
  readonly linkCacheTtlMs: number;
  /**
   * LINKWIRE_WORKER_LAG_BOUND_MS: the lowered worker thread runs at normal priority while clicks
   * wait longer than this for their webhooks (src/threads/worker-lag-policy.ts); 0 (the default)
   * keeps it lowered: raised, it cost the all-in-one redirect a quarter of its rate (docs/click-journal.md).
   */
  readonly workerLagBoundMs: number;
  /** LINKWIRE_WORKER_THREAD (default on; `off` keeps the worker role on the main event loop). */
  readonly workerThread: boolean;
  /** LINKWIRE_WORKER_NICE: the worker thread's priority beside the redirects (config/worker-thread-settings.ts). */
  readonly workerNice: WorkerNice;
  /** LINKWIRE_WORKER_HEAP_MB: the worker thread's old-generation budget in MiB; 0: none. */
  readonly workerHeapMb: number;
  /** Clicks older than this many days are purged; 0 keeps them forever. */
  readonly clickRetentionDays: number;
  /** How long a worker's claim on a delivery lasts; it must outlast the longest send (30 s timeout). */
  readonly deliveryLeaseMs: number;
  /** The longest `timeout_ms` a webhook may have (30 000 by default); the lease must outlast it. */
  readonly webhookMaxTimeoutMs: number;
  readonly logLevel: string;
  /** LINKWIRE_METRICS_TOKEN: when set, GET /metrics requires it as a bearer token. */
  readonly metricsToken: string | null;
  readonly plans: readonly Plan[];
  readonly defaultPlan: string;
  /** LINKWIRE_SMTP_URL (`smtp://user:pass@host:port`, `smtps://…`); null: mails are logged, not sent (docs/mail.md). */
  readonly smtpUrl: string | null;
  /**
   * LINKWIRE_SECRET_KEY: the 32-byte key (base64 or hex) that seals secrets stored in the database
   * (TOTP secrets); null: the key file below. docs/configuration.md, "Secret key".
   */
  readonly secretKey: Buffer | null;
  /**
   * Where the key is kept when LINKWIRE_SECRET_KEY is unset: beside the SQLite database, created on
   * first use (mode 0600). null on PostgreSQL, where processes on several hosts share the database
   * and must share the key, so it has to come from the environment.
   */
  readonly secretKeyFile: string | null;
  /** LINKWIRE_MAIL_FROM: the From of every mail. */
  readonly mailFrom: string;
  /** LINKWIRE_SIGNUPS_PER_ADDRESS: signups one client address may make per hour. */
  readonly signupsPerAddressPerHour: number;
  /** A connection must send its request headers within this (LINKWIRE_HEADERS_TIMEOUT_S); a silent socket is closed after it. */
  readonly headersTimeoutMs: number;
  /** A request (headers and body) must arrive within this (LINKWIRE_REQUEST_TIMEOUT_S). */
  readonly requestTimeoutMs: number;
  /** Open connections this process accepts at most (LINKWIRE_MAX_CONNECTIONS); more are dropped and logged. */
  readonly maxConnections: number;
  /** Open /api/events/stream connections per API key (or dashboard user) in this process (LINKWIRE_STREAMS_PER_KEY). */
  readonly streamsPerKey: number;
  /** Open /api/events/stream connections per workspace in this process (LINKWIRE_STREAMS_PER_WORKSPACE). */
  readonly streamsPerWorkspace: number;
  /** Single sign-on with an OpenID Connect provider (LINKWIRE_OIDC_*); null: off. See docs/security.md. */
  readonly oidc: OidcSettings | null;
}

const ROLES: readonly Role[] = ['api', 'redirect', 'worker'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = parseInteger(env.PORT, 8080, 'PORT', 0, 65535);
  const baseUrl = (env.LINKWIRE_BASE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new ConfigError(`LINKWIRE_BASE_URL is not a URL: ${baseUrl}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ConfigError('LINKWIRE_BASE_URL must be http(s)');
  }

  const roleText = (env.LINKWIRE_ROLE ?? 'all').trim();
  const roles = new Set<Role>();
  for (const part of roleText.split(',').map((r) => r.trim()).filter(Boolean)) {
    if (part === 'all') ROLES.forEach((r) => roles.add(r));
    else if ((ROLES as readonly string[]).includes(part)) roles.add(part as Role);
    else throw new ConfigError(`LINKWIRE_ROLE: unknown role "${part}" (use all, api, redirect, worker)`);
  }
  if (roles.size === 0) throw new ConfigError('LINKWIRE_ROLE names no role');

  let allow: Cidr[];
  try {
    allow = parseCidrList(env.LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS ?? '');
  } catch (err) {
    throw new ConfigError(`LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: ${(err as Error).message}`);
  }

  let destinations: string[];
  try {
    destinations = parseDestinationPrefixes(env.LINKWIRE_DESTINATIONS);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const signup = env.LINKWIRE_SIGNUP ?? 'open';
  if (signup !== 'open' && signup !== 'closed') throw new ConfigError('LINKWIRE_SIGNUP must be open or closed');

  let plans: readonly Plan[];
  try {
    plans = parsePlans(env.LINKWIRE_PLANS);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const defaultPlan = env.LINKWIRE_DEFAULT_PLAN ?? DEFAULT_PLAN;
  if (!plans.some((p) => p.name === defaultPlan)) throw new ConfigError(`LINKWIRE_DEFAULT_PLAN "${defaultPlan}" is not in the plans table`);

  const databaseUrl = env.LINKWIRE_DATABASE_URL ?? 'sqlite:./data/linkwire.db';
  // A claim must outlast the longest send plus time to queue it and write its result; a shorter
  // lease expires before a slow endpoint's send may start, so those deliveries would never be attempted.
  const webhookMaxTimeoutMs = parseInteger(env.LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS, 30_000, 'LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS', 1000, 30_000);
  const deliveryLeaseMs = parseInteger(env.LINKWIRE_DELIVERY_LEASE_MS, 60_000, 'LINKWIRE_DELIVERY_LEASE_MS', 2000, 3_600_000);
  const minimumLeaseMs = minimumDeliveryLeaseMs(webhookMaxTimeoutMs);
  if (deliveryLeaseMs < minimumLeaseMs) {
    throw new ConfigError(
      `LINKWIRE_DELIVERY_LEASE_MS is ${deliveryLeaseMs} but must be at least ${minimumLeaseMs}: the longest webhook timeout ` +
        `(${webhookMaxTimeoutMs} ms, LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS) plus ${minimumLeaseMs - webhookMaxTimeoutMs} ms to queue the send and record it. ` +
        'With a shorter lease a claim expires before a slow endpoint\'s send can finish, and those deliveries are never attempted.',
    );
  }

  const config: Config = {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl,
    baseUrl,
    defaultDomain: base.host.toLowerCase(),
    rootUrl: parseRootUrl(env.LINKWIRE_ROOT_URL),
    roles,
    allowPrivateWebhookTargets: Object.freeze(allow),
    dnsServer: parseDnsServer(env.LINKWIRE_DNS_SERVER),
    destinations: Object.freeze(destinations),
    trustProxy: parseTrustProxySetting(env.LINKWIRE_TRUST_PROXY),
    geoHeader: env.LINKWIRE_GEO_HEADER ? env.LINKWIRE_GEO_HEADER.toLowerCase() : null,
    signupOpen: signup === 'open',
    adminEmails: new Set((env.LINKWIRE_ADMIN_EMAILS ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
    clickFlushMs: parseInteger(env.LINKWIRE_CLICK_FLUSH_MS, 0, 'LINKWIRE_CLICK_FLUSH_MS', 0, 1000),
    healthPort: healthPortOf(env, roles),
    journalDir: journalDirOf(env, databaseUrl, port),
    journalMaxBytes: parseInteger(env.LINKWIRE_JOURNAL_MAX_MB, 1024, 'LINKWIRE_JOURNAL_MAX_MB', 1, 1_000_000) * 1024 * 1024,
    journalFsync: parseBoolean(env.LINKWIRE_JOURNAL_FSYNC, 'LINKWIRE_JOURNAL_FSYNC'),
    deliveryLeaseMs,
    webhookMaxTimeoutMs,
    linkCacheTtlMs: parseInteger(env.LINKWIRE_LINK_CACHE_TTL_S, 60, 'LINKWIRE_LINK_CACHE_TTL_S', 1, 86_400) * 1000,
    workerLagBoundMs: parseInteger(env.LINKWIRE_WORKER_LAG_BOUND_MS, 0, 'LINKWIRE_WORKER_LAG_BOUND_MS', 0, 3_600_000),
    workerThread: env.LINKWIRE_WORKER_THREAD !== 'off',
    workerNice: parseWorkerNice(env.LINKWIRE_WORKER_NICE),
    workerHeapMb: parseWorkerHeapMb(env.LINKWIRE_WORKER_HEAP_MB),
    clickRetentionDays: parseInteger(env.LINKWIRE_CLICK_RETENTION_DAYS, 365, 'LINKWIRE_CLICK_RETENTION_DAYS', 0, 36_500),
    deliveryRetentionDays: parseInteger(env.LINKWIRE_DELIVERY_RETENTION_DAYS, 7, 'LINKWIRE_DELIVERY_RETENTION_DAYS', 1, 3650),
    logLevel: env.LINKWIRE_LOG_LEVEL ?? 'info',
    metricsToken: env.LINKWIRE_METRICS_TOKEN ? env.LINKWIRE_METRICS_TOKEN : null,
    plans,
    defaultPlan,
    smtpUrl: parseSmtpUrl(env.LINKWIRE_SMTP_URL),
    secretKey: parseSecretKey(env.LINKWIRE_SECRET_KEY),
    secretKeyFile: secretKeyFileOf(databaseUrl),
    mailFrom: env.LINKWIRE_MAIL_FROM?.trim() || `Linkwire <linkwire@${base.hostname}>`,
    signupsPerAddressPerHour: parseInteger(env.LINKWIRE_SIGNUPS_PER_ADDRESS, 10, 'LINKWIRE_SIGNUPS_PER_ADDRESS', 1, 1_000_000),
    headersTimeoutMs: parseInteger(env.LINKWIRE_HEADERS_TIMEOUT_S, 20, 'LINKWIRE_HEADERS_TIMEOUT_S', 1, 3600) * 1000,
    requestTimeoutMs: parseInteger(env.LINKWIRE_REQUEST_TIMEOUT_S, 60, 'LINKWIRE_REQUEST_TIMEOUT_S', 1, 3600) * 1000,
    maxConnections: parseInteger(env.LINKWIRE_MAX_CONNECTIONS, defaultMaxConnections(), 'LINKWIRE_MAX_CONNECTIONS', 16, 1_000_000),
    streamsPerKey: parseInteger(env.LINKWIRE_STREAMS_PER_KEY, 10, 'LINKWIRE_STREAMS_PER_KEY', 1, 100_000),
    streamsPerWorkspace: parseInteger(env.LINKWIRE_STREAMS_PER_WORKSPACE, 50, 'LINKWIRE_STREAMS_PER_WORKSPACE', 1, 100_000),
    oidc: parseOidc(env),
  };
  return Object.freeze(config);
}

/** A config for tests and embedding: defaults plus overrides, still frozen. */
export function configWith(overrides: Partial<Config>, env: NodeJS.ProcessEnv = {}): Config {
  return Object.freeze({ ...loadConfig(env), ...overrides });
}

/** The shortest lease that lets a send of `maxTimeoutMs` start and be recorded within its claim. */
export function minimumDeliveryLeaseMs(maxTimeoutMs: number): number {
  return maxTimeoutMs + Math.min(10_000, Math.max(1000, maxTimeoutMs));
}

function healthPortOf(env: NodeJS.ProcessEnv, roles: ReadonlySet<Role>): number | null {
  if (env.LINKWIRE_HEALTH_PORT === undefined || env.LINKWIRE_HEALTH_PORT === '') return null;
  if (roles.has('api') || roles.has('redirect')) {
    throw new ConfigError('LINKWIRE_HEALTH_PORT is for a worker-only process (LINKWIRE_ROLE=worker); with api or redirect, /healthz answers on PORT');
  }
  return parseInteger(env.LINKWIRE_HEALTH_PORT, 0, 'LINKWIRE_HEALTH_PORT', 1, 65535);
}

/**
 * LINKWIRE_JOURNAL_DIR, else next to the SQLite file (`<db>.journal`), else — PostgreSQL, where
 * several processes share the database but each needs its own journal — one per port under
 * ./data (`journal-<port>`). Never the host name: a container gets a new one on every redeploy,
 * and a redeployed redirect must find the journal it left behind (deploy.md: set the directory
 * explicitly, on a volume). LINKWIRE_CLICK_JOURNAL=off turns the journal off.
 */
function journalDirOf(env: NodeJS.ProcessEnv, databaseUrl: string, port: number): string | null {
  const mode = (env.LINKWIRE_CLICK_JOURNAL ?? 'on').toLowerCase();
  if (mode === 'off') return null;
  if (mode !== 'on') throw new ConfigError('LINKWIRE_CLICK_JOURNAL must be on or off');
  if (env.LINKWIRE_JOURNAL_DIR) return resolve(env.LINKWIRE_JOURNAL_DIR);
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    return path === ':memory:' ? null : resolve(`${path}.journal`);
  }
  return resolve(defaultPostgresJournalDir(port));
}

/** The PostgreSQL default journal directory of a process listening on `port` (relative to the working directory). */
export function defaultPostgresJournalDir(port: number): string {
  return `./data/journal-${port}`;
}

/** The key file beside an SQLite database (`<dir>/linkwire-secret.key`); none for PostgreSQL or an in-memory database. */
function secretKeyFileOf(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  const path = databaseUrl.slice('sqlite:'.length);
  return path === ':memory:' ? null : resolve(dirname(path), 'linkwire-secret.key');
}

/**
 * Connections the process can hold without running out of file descriptors: the soft open-files
 * limit less 256 for the database pool, the click journal, outbound webhooks and logs (Linux;
 * 10 000 where the limit cannot be read).
 */
function defaultMaxConnections(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    if (soft === undefined || soft === 'unlimited') return 10_000;
    return Math.min(1_000_000, Math.max(64, Number(soft) - 256));
  } catch {
    return 10_000;
  }
}

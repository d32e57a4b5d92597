import { performance } from 'node:perf_hooks';
import type { CidrSet } from '../net/cidr.js';
import { Deadline } from './deadline.js';
import { PinnedPools } from './pinned-pools.js';
import { classifyTargetError, failedBeforeSending, type TargetErrorKind } from './target-errors.js';
import { exchange, type ExchangeRequest } from './target-exchange.js';
import { createAddressVetter } from './target-policy.js';
import { coalescing, createHostResolver, ResolveError, type HostResolver } from './target-resolver.js';
import { TargetUrls, type ParsedTarget } from './target-url.js';

export interface TargetRequest {
  url: string;
  method?: 'POST' | 'HEAD' | 'GET';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface TargetResponse {
  /** Null when no response head arrived. */
  statusCode: number | null;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The first 4 KiB of the body, as UTF-8. */
  body: string;
  responseTimeMs: number;
  error: string | null;
  errorKind: TargetErrorKind | null;
  /** The address the request was sent to (or last tried), null if none was. */
  remoteAddress: string | null;
}

export interface TargetClientOptions {
  /** LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: private addresses that may be reached, and the only ones reachable over http. */
  allowPrivate: CidrSet;
  /** LINKWIRE_DNS_SERVER; null = the system resolver. */
  dnsServer: { host: string; port: number } | null;
  /** Keep-alive connections per target site and address (default 8). */
  connectionsPerOrigin?: number;
  /** Let http:// reach public addresses too (link monitoring). Webhooks never set it. */
  allowPublicHttp?: boolean;
}

export interface TargetClient {
  /** Never rejects for network outcomes: failures come back as `error`/`errorKind`. */
  send(request: TargetRequest): Promise<TargetResponse>;
  close(): Promise<void>;
}

/**
 * The SSRF-safe HTTP client for webhook deliveries and link monitoring.
 *
 * Address pinning: the host name is resolved here at every send (queries for one name that overlap
 * share one answer), every answer is vetted before anything connects, and the request goes to a
 * keep-alive pool pinned to a vetted *address* (src/outbound/pinned-pools.ts). TLS still verifies
 * the name, while the socket can only ever go to the address that was checked — a DNS answer that
 * changes after the check (rebinding) is never consulted. Literal-address URLs are vetted as they
 * are; the verdict per address is remembered (it depends on the address and the policy only).
 */
export function createTargetClient(options: TargetClientOptions): TargetClient {
  const context: Context = {
    resolver: coalescing(createHostResolver(options.dnsServer)),
    vet: createAddressVetter({ allowPrivate: options.allowPrivate, allowPublicHttp: options.allowPublicHttp ?? false }),
    urls: new TargetUrls(),
    pools: new PinnedPools({ connections: options.connectionsPerOrigin ?? 8, keepAliveTimeoutMs: 10_000 }),
  };

  return {
    async send(request) {
      const started = performance.now();
      // One deadline covers resolving, connecting, the TLS handshake, the head and the body.
      const deadline = new Deadline(Math.max(1, Math.floor(request.timeoutMs)));
      try {
        return await send(request, started, deadline, context);
      } catch (err) {
        // A bug or an argument undici rejects (a forbidden header…) is still just a failed attempt.
        const message = err instanceof Error ? err.message : String(err);
        return failure(started, 'protocol', `protocol: ${message}`);
      } finally {
        deadline.clear();
      }
    },
    async close() {
      context.resolver.close();
      await context.pools.close();
    },
  };
}

interface Context {
  resolver: HostResolver;
  vet: (protocol: string, hostname: string | null, addresses: readonly string[]) => string | null;
  urls: TargetUrls;
  pools: PinnedPools;
}

async function send(request: TargetRequest, started: number, deadline: Deadline, context: Context): Promise<TargetResponse> {
  const target = context.urls.get(request.url);
  if ('refusal' in target) return failure(started, 'blocked', target.refusal);

  // Literal hosts never reach a resolver (net.connect skips lookup for them): vet them as they are.
  let addresses: readonly string[];
  if (target.literal !== null) {
    addresses = target.literal;
  } else {
    try {
      addresses = await deadline.race(context.resolver.resolve(target.hostname));
    } catch (err) {
      if (deadline.expired) return failure(started, 'timeout', `timeout after ${deadline.timeoutMs} ms (resolving ${target.hostname})`);
      return failure(started, 'dns', `dns: ${err instanceof ResolveError ? err.message : String(err)}`);
    }
  }

  const refusal = context.vet(target.protocol, target.literal === null ? target.hostname : null, addresses);
  if (refusal !== null) return failure(started, 'blocked', refusal);

  const outgoing = exchangeRequest(request, target);
  let lastFailure: TargetResponse | null = null;
  for (let index = 0; index < addresses.length; index++) {
    const address = addresses[index] as string;
    const outcome = await exchange(context.pools.get(target.origin, address), outgoing, deadline);
    if (outcome.kind === 'response') {
      const { statusCode, headers, body } = outcome;
      const responseTimeMs = Math.round(performance.now() - started);
      if (outcome.error === null) return { statusCode, headers, body, responseTimeMs, error: null, errorKind: null, remoteAddress: address };
      // The head arrived but the body did not finish: keep what we have, report why.
      const classified = classifyTargetError(outcome.error);
      const error = classified.kind === 'timeout' ? `timeout after ${deadline.timeoutMs} ms (reading the body)` : classified.message;
      return { statusCode, headers, body, responseTimeMs, error, errorKind: classified.kind, remoteAddress: address };
    }
    const classified = classifyTargetError(outcome.error);
    const message = classified.kind === 'timeout' ? `timeout after ${deadline.timeoutMs} ms` : classified.message;
    lastFailure = failure(started, classified.kind, message, address);
    // Only a connection that certainly carried nothing may be retried on the next address.
    const more = index < addresses.length - 1;
    if (!more || !failedBeforeSending(outcome.error) || deadline.expired) break;
  }
  return lastFailure ?? failure(started, 'connect', 'connect: no address to connect to');
}

function exchangeRequest(request: TargetRequest, target: ParsedTarget): ExchangeRequest {
  const method = request.method ?? 'POST';
  return { method, path: target.path, headers: withoutHost(request.headers), body: method === 'POST' ? (request.body ?? '') : null };
}

function failure(started: number, errorKind: TargetErrorKind, error: string, remoteAddress: string | null = null): TargetResponse {
  return { statusCode: null, headers: {}, body: '', error, errorKind, remoteAddress, responseTimeMs: Math.round(performance.now() - started) };
}

/**
 * The caller's headers as they are (no copy) unless they name `host`: the pool's site sets the Host
 * header, and a second one would be refused by undici (or, worse, disagree with the TLS name).
 */
function withoutHost(headers: Record<string, string>): Record<string, string> {
  for (const name in headers) {
    if (name.length === 4 && name.toLowerCase() === 'host') {
      return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== 'host'));
    }
  }
  return headers;
}

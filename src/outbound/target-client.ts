import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import type { CidrSet } from '../net/cidr.js';
import { literalAddressOf } from '../net/host-literal.js';
import { classifyTargetError, failedBeforeSending, type TargetErrorKind } from './target-errors.js';
import { createHostResolver, ResolveError, type HostResolver } from './target-resolver.js';
import { readKeptBody } from './target-body.js';
import { refuseAddresses, type TargetPolicy } from './target-policy.js';

export type { TargetErrorKind } from './target-errors.js';

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
  /** Keep-alive connections per target address and port (default 8). */
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
 * Address pinning: the host name is resolved here, every answer is vetted, and the
 * request is dispatched to a vetted *address* (`https://93.184.216.34:443`) with the
 * original `Host` header. undici derives the TLS SNI and the certificate check from that
 * header, so TLS still verifies the name, while the socket can only ever go to the
 * address that was checked — a DNS answer that changes after the check (rebinding) is
 * never consulted. The agent's `lookup` refuses outright, so no code path can resolve
 * a name behind our back. Keep-alive pools are per address and port.
 */
export function createTargetClient(options: TargetClientOptions): TargetClient {
  const resolver = createHostResolver(options.dnsServer);
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 8,
    // The request deadline decides; this only bounds a connect nobody waits for any more.
    connect: { lookup: refuseLookup, timeout: 30_000 },
    keepAliveTimeout: 10_000,
  });
  const policy: TargetPolicy = { allowPrivate: options.allowPrivate, allowPublicHttp: options.allowPublicHttp ?? false };

  return {
    async send(request) {
      const started = performance.now();
      try {
        return await send(request, started, { agent, resolver, policy });
      } catch (err) {
        // A bug or an argument undici rejects (a forbidden header…) is still just a failed attempt.
        const message = err instanceof Error ? err.message : String(err);
        return failure(started, 'protocol', `protocol: ${message}`);
      }
    },
    async close() {
      resolver.close();
      await agent.close();
    },
  };
}

interface Context {
  agent: Agent;
  resolver: HostResolver;
  policy: TargetPolicy;
}

async function send(request: TargetRequest, started: number, context: Context): Promise<TargetResponse> {
  // One deadline covers resolving, connecting, the TLS handshake, the head and the body.
  const timeoutMs = Math.max(1, Math.floor(request.timeoutMs));
  const deadline = AbortSignal.timeout(timeoutMs);
  const finish = (partial: Partial<TargetResponse>) => targetResponse(started, partial);
  const fail = (errorKind: TargetErrorKind, error: string, remoteAddress: string | null = null) =>
    failure(started, errorKind, error, remoteAddress);

  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return fail('blocked', 'target blocked: not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('blocked', `target blocked: ${url.protocol} is not http(s)`);

  // Literal hosts never reach a resolver (net.connect skips lookup for them): vet them as they are.
  const literal = literalAddressOf(url.hostname);
  let addresses: string[];
  if (literal !== null) {
    addresses = [literal];
  } else {
    try {
      addresses = await beforeDeadline(context.resolver.resolve(url.hostname), deadline);
    } catch (err) {
      if (deadline.aborted) return fail('timeout', `timeout after ${timeoutMs} ms (resolving ${url.hostname})`);
      return fail('dns', `dns: ${err instanceof ResolveError ? err.message : String(err)}`);
    }
  }

  const refusal = refuseAddresses(url.protocol, literal === null ? url.hostname : null, addresses, context.policy);
  if (refusal !== null) return fail('blocked', refusal);

  let lastFailure: TargetResponse | null = null;
  for (const [index, address] of addresses.entries()) {
    const outcome = await sendTo(address, url, request, timeoutMs, deadline, context.agent);
    if (outcome.kind === 'response') return finish(outcome.response);
    const classified = classifyTargetError(outcome.error);
    const message = classified.kind === 'timeout' ? `timeout after ${timeoutMs} ms` : classified.message;
    lastFailure = fail(classified.kind, message, address);
    // Only a connection that certainly carried nothing may be retried on the next address.
    const more = index < addresses.length - 1;
    if (!more || !failedBeforeSending(outcome.error) || deadline.aborted) break;
  }
  return lastFailure ?? fail('connect', 'connect: no address to connect to');
}

type Outcome = { kind: 'response'; response: Partial<TargetResponse> } | { kind: 'failure'; error: unknown };

async function sendTo(address: string, url: URL, request: TargetRequest, timeoutMs: number, deadline: AbortSignal, agent: Agent): Promise<Outcome> {
  const method = request.method ?? 'POST';
  const origin = `${url.protocol}//${isIP(address) === 6 ? `[${address}]` : address}:${portOf(url)}`;
  try {
    const response = await agent.request({
      origin,
      path: `${url.pathname}${url.search}`,
      method,
      // The Host header names the site; undici also takes the TLS servername from it.
      headers: { ...withoutHost(request.headers), host: url.host },
      body: method === 'POST' ? (request.body ?? '') : null,
      signal: deadline,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const kept = await readKeptBody(response.body);
    const headers = flattenHeaders(response.headers);
    const base = { statusCode: response.statusCode, headers, body: kept.text, remoteAddress: address };
    if (kept.error === null) return { kind: 'response', response: base };
    // The head arrived but the body did not finish: keep what we have, report why.
    const classified = classifyTargetError(kept.error);
    const error = classified.kind === 'timeout' ? `timeout after ${timeoutMs} ms (reading the body)` : classified.message;
    return { kind: 'response', response: { ...base, error, errorKind: classified.kind } };
  } catch (err) {
    return { kind: 'failure', error: err };
  }
}

function targetResponse(started: number, partial: Partial<TargetResponse>): TargetResponse {
  return {
    statusCode: null,
    headers: {},
    body: '',
    error: null,
    errorKind: null,
    remoteAddress: null,
    ...partial,
    responseTimeMs: Math.round(performance.now() - started),
  };
}

function failure(started: number, errorKind: TargetErrorKind, error: string, remoteAddress: string | null = null): TargetResponse {
  return targetResponse(started, { errorKind, error, remoteAddress });
}

function portOf(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

function withoutHost(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host'));
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** `promise`, or a rejection as soon as the deadline passes (a resolver cannot be cancelled per query). */
function beforeDeadline<T>(promise: Promise<T>, deadline: AbortSignal): Promise<T> {
  const expired = () => new Error('deadline passed');
  if (deadline.aborted) return Promise.reject(expired());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(expired());
    deadline.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        deadline.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: Error) => {
        deadline.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Every connection is to a vetted literal address; a name reaching the socket layer is a bug. */
const refuseLookup: LookupFunction = (hostname, _options, callback) => {
  const error = Object.assign(new Error(`refusing to resolve ${hostname}: targets are connected by vetted address only`), {
    code: 'ERR_LINKWIRE_UNVETTED_LOOKUP',
  });
  callback(error, '', 4);
};

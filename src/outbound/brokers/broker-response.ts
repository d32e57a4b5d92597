import { performance } from 'node:perf_hooks';
import type { TargetResponse } from '../target-client.js';
import type { TargetErrorKind } from '../target-errors.js';

/**
 * A broker's acknowledgement as an attempt's response: recorded as status 200 with the broker's
 * answer (the XADD reply, the PubAck) as the response body, so the delivery log, success filters
 * and metrics read it like an HTTPS endpoint's 2xx (docs/destinations.md).
 */
export function brokerAcknowledged(started: number, answer: unknown, address: string): TargetResponse {
  return { statusCode: 200, headers: {}, body: JSON.stringify(answer), responseTimeMs: performance.now() - started, error: null, errorKind: null, remoteAddress: address };
}

/** A broker that refused, hung or answered an error: no status, the reason as the attempt's error (retried like a failing endpoint). */
export function brokerFailure(started: number, kind: TargetErrorKind, error: string, address: string | null): TargetResponse {
  return { statusCode: null, headers: {}, body: '', responseTimeMs: performance.now() - started, error, errorKind: kind, remoteAddress: address };
}

/** `work` bounded by `ms`: rejects with a TimeoutError-named Error when the broker has not answered by then. */
export function withinTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BrokerTimeout(`${what} did not answer within ${ms} ms`)), Math.max(1, ms));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class BrokerTimeout extends Error {
  override name = 'BrokerTimeout';
}

/** The attempt's error kind for a client's failure. */
export function brokerErrorKind(err: unknown): TargetErrorKind {
  if (err instanceof BrokerTimeout) return 'timeout';
  const code = (err as { code?: unknown } | null)?.code;
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || code === 'TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (typeof code === 'string' && /^E(CONN|HOST|NET|ADDR|PIPE)|^ENOTCONN$|CONNECTION_REFUSED/.test(code)) return 'connect';
  return 'protocol';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Header name → value for a message: every header of the signed request (webhook-id, -timestamp, -signature, x-linkwire-event, …), lower-case names. */
export function messageHeaders(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]);
}

/** Parsed destinations kept per adapter; a worker sends to a few URLs many times, so the cap is never near in practice. */
const PARSED_DESTINATIONS_MAX = 1000;

/**
 * `parse` remembered per URL string: a destination is parsed (new URL, its checks) once, not per
 * attempt — at a few thousand attempts a second to one broker that was 2–3 % of the worker's CPU.
 * A URL that does not parse is not remembered (it fails its attempt every time, with its reason).
 */
export function parsedOnce<T>(parse: (url: URL) => T): (url: string) => T {
  const parsed = new Map<string, T>();
  return (url) => {
    let destination = parsed.get(url);
    if (destination === undefined) {
      destination = parse(new URL(url));
      if (parsed.size >= PARSED_DESTINATIONS_MAX) parsed.clear();
      parsed.set(url, destination);
    }
    return destination;
  };
}

import { VERSION } from '../runtime/version.js';
import type { TargetClient, TargetResponse } from '../outbound/target-client.js';
import type { TargetErrorKind } from '../outbound/target-errors.js';

export const MONITOR_USER_AGENT = `Linkwire-Monitor/${VERSION} (link health check)`;

/** One health check of a link's destination. */
export interface CheckResult {
  healthy: boolean;
  /** Null when no response arrived (refused, DNS, timeout, TLS…). */
  statusCode: number | null;
  /** Why the check failed; null when healthy. */
  error: string | null;
  errorKind: TargetErrorKind | null;
  method: 'HEAD' | 'GET';
  /** When the check started (app clock). */
  checkedAt: number;
}

/** 2xx and 3xx are healthy: a redirect is an answer, and it is not followed. */
export const isHealthyStatus = (status: number | null): boolean => status !== null && status >= 200 && status < 400;

/**
 * HEAD first, since it costs the target nothing; GET when HEAD is refused as a method
 * (405 / 501) or the exchange broke at protocol level (servers that mishandle HEAD).
 * The client applies the webhook SSRF rules, so a refused address fails as `blocked`
 * before any connection is made.
 */
export async function checkTarget(client: TargetClient, url: string, timeoutMs: number, checkedAt: number): Promise<CheckResult> {
  const headers = { 'user-agent': MONITOR_USER_AGENT, accept: '*/*' };
  let method: 'HEAD' | 'GET' = 'HEAD';
  let response = await client.send({ url, method, headers, timeoutMs });
  if (response.statusCode === 405 || response.statusCode === 501 || (response.statusCode === null && response.errorKind === 'protocol')) {
    method = 'GET';
    response = await client.send({ url, method, headers, timeoutMs });
  }
  return toResult(response, method, checkedAt);
}

function toResult(response: TargetResponse, method: 'HEAD' | 'GET', checkedAt: number): CheckResult {
  // Only the head matters: a body cut short after a good status line is still a working link.
  if (isHealthyStatus(response.statusCode)) {
    return { healthy: true, statusCode: response.statusCode, error: null, errorKind: null, method, checkedAt };
  }
  const error = response.statusCode !== null ? `HTTP ${response.statusCode}` : (response.error ?? 'no response');
  return { healthy: false, statusCode: response.statusCode, error, errorKind: response.errorKind, method, checkedAt };
}

import type { TargetResponse } from '../outbound/target-client.js';
import { parseRetryAfter } from './retry-policy.js';

/** What one attempt means for the delivery and its endpoint. Attempts return this; they do not throw. */
export type AttemptOutcome =
  | { kind: 'succeeded' }
  | {
      kind: 'failed';
      /** Why, for the log (null when the status code says it all). */
      reason: string;
      /** Switch the endpoint off now (410 Gone). */
      disableEndpoint: string | null;
      /** A Retry-After to honour within the schedule. */
      retryAfterMs: number | null;
    };

export function classifyResponse(response: TargetResponse, nowMs: number): AttemptOutcome {
  const status = response.statusCode;
  if (status === null) {
    return { kind: 'failed', reason: response.error ?? 'no response', disableEndpoint: null, retryAfterMs: null };
  }
  if (status >= 200 && status < 300) {
    // The webhook's timeout covers the whole exchange: a 2xx whose body has not ended by then (a
    // receiver that trickles forever) is a failure, retried like any other timeout.
    if (response.errorKind === 'timeout') {
      return { kind: 'failed', reason: `endpoint answered ${status} but ${response.error ?? 'the body did not finish in time'}`, disableEndpoint: null, retryAfterMs: null };
    }
    return { kind: 'succeeded' };
  }
  if (status === 410) {
    return { kind: 'failed', reason: 'endpoint answered 410 Gone', disableEndpoint: 'The endpoint answered 410 Gone', retryAfterMs: null };
  }
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after'], nowMs) : null;
  const reason =
    status >= 300 && status < 400
      ? `endpoint answered ${status} redirect (not followed)${response.headers.location ? ` to ${response.headers.location}` : ''}`
      : `endpoint answered ${status}`;
  return { kind: 'failed', reason, disableEndpoint: null, retryAfterMs };
}

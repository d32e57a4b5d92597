import type { TargetErrorKind } from '../outbound/target-errors.js';
import type { AttemptOutcomeLabel } from './metrics.js';

/** The metrics label of one attempt: `success`, the HTTP status class, or why no answer came. */
export function attemptOutcomeLabel(succeeded: boolean, statusCode: number | null, errorKind: TargetErrorKind | null, error: string | null): AttemptOutcomeLabel {
  if (succeeded) return 'success';
  if (statusCode !== null) {
    if (statusCode >= 300 && statusCode < 400) return 'http_3xx';
    if (statusCode >= 400 && statusCode < 500) return 'http_4xx';
    if (statusCode >= 500 && statusCode < 600) return 'http_5xx';
    // A 2xx whose body then failed (errorKind set) falls through to the error kind.
    if (errorKind === null) return 'http_other';
  }
  switch (errorKind) {
    case 'blocked':
      return 'ssrf_blocked';
    case 'dns':
      return 'dns';
    case 'timeout':
      return 'timeout';
    case 'tls':
      return 'tls';
    case 'connect':
      return error !== null && error.includes('ECONNREFUSED') ? 'refused' : 'connection_error';
    case 'protocol':
    case null:
      return 'protocol_error';
  }
}

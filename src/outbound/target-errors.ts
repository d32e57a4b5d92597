/** Why a request to a webhook or monitored target produced no (complete) response. */
export type TargetErrorKind = 'blocked' | 'dns' | 'timeout' | 'connect' | 'tls' | 'protocol';

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_ABORTED',
  'ETIMEDOUT',
  'ABORT_ERR',
]);

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EPIPE',
  'ENOTCONN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Failures that happen before a single request byte left: another address may be tried. */
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);

// OpenSSL certificate verification results, as Node reports them in `err.code`.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;

export interface ClassifiedError {
  kind: Exclude<TargetErrorKind, 'blocked' | 'dns'>;
  message: string;
}

/** Maps whatever undici, net or tls threw (causes included) onto a TargetErrorKind. */
export function classifyTargetError(err: unknown): ClassifiedError {
  const chain = causeChain(err);
  for (const e of chain) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || TIMEOUT_CODES.has(e.code ?? '')) {
      return { kind: 'timeout', message: 'timeout' };
    }
  }
  for (const e of chain) {
    if (TLS_CODE.test(e.code ?? '') || (e.code === 'EPROTO' && /ssl|tls/i.test(e.message))) {
      return { kind: 'tls', message: `tls: ${e.message}` };
    }
  }
  for (const e of chain) {
    if (CONNECT_CODES.has(e.code ?? '')) return { kind: 'connect', message: `connect: ${e.message}` };
  }
  const first = chain[0];
  return { kind: 'protocol', message: `protocol: ${first?.message ?? String(err)}` };
}

/** True when the failure certainly left the request unsent, so retrying elsewhere is safe. */
export function failedBeforeSending(err: unknown): boolean {
  return causeChain(err).some((e) => NOTHING_SENT_CODES.has(e.code ?? ''));
}

interface ErrorLike {
  name: string;
  message: string;
  code?: string;
}

function causeChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = err;
  // Bounded: a cause cycle must not hang the delivery worker.
  while (current instanceof Error && chain.length < 8) {
    const code = (current as NodeJS.ErrnoException).code;
    chain.push({ name: current.name, message: current.message, code: typeof code === 'string' ? code : undefined });
    // AggregateError (happy-eyeballs) keeps the real reasons in `errors`.
    const inner: unknown = current instanceof AggregateError ? (current.errors as unknown[])[0] : current.cause;
    current = inner;
  }
  if (chain.length === 0) chain.push({ name: 'Error', message: String(err) });
  return chain;
}

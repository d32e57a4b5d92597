/**
 * Whether an error means "the database cannot be reached right now" (a restart, a network
 * failure, a full pool), as opposed to a bug or a bad query. Callers answer 503 with
 * Retry-After and back off instead of treating it as a failure of their own.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  // PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (shutdown, crash, starting up),
  // 53300 (too many connections).
  if (/^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  // SQLite: another writer holds the database longer than the busy timeout.
  if (code === 'SQLITE_BUSY') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (PG_MESSAGES.some((m) => message.includes(m))) return true;
  // Node reports a refused connection to several addresses as an AggregateError.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** What node-postgres and pg-pool say (without a code) when a connection is gone or cannot be had. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
  'Cannot use a pool after calling end on the pool',
];

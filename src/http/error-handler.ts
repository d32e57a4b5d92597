import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors.js';
import { describeSchemaErrors } from './validation.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import { isUnstorableText } from '../storage/invalid-text.js';

/** Seconds a client is asked to wait when the database is unreachable (a restart takes a few). */
export const UNAVAILABLE_RETRY_AFTER_S = 5;
/** During an outage every request fails the same way: log it once per this interval, not per request. */
const OUTAGE_LOG_EVERY_MS = 30_000;

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

const body = (code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody => ({
  error: details ? { code, message, details } : { code, message },
});

/** Renders every failure in the shape docs/api.md ("Errors") gives. A malformed request never gets a 5xx. */
export function installErrorHandler(app: FastifyInstance): void {
  let outageLoggedAt = -Infinity;
  let suppressed = 0;
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (isDatabaseUnavailable(err)) {
      const now = Date.now();
      if (now - outageLoggedAt >= OUTAGE_LOG_EVERY_MS) {
        request.log.warn({ err, suppressed }, 'database unavailable: answering 503');
        outageLoggedAt = now;
        suppressed = 0;
      } else {
        suppressed++;
      }
      return reply
        .status(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S))
        .send(body('SERVICE_UNAVAILABLE', 'The database is unavailable right now; try again shortly'));
    }
    if (err instanceof AppError) {
      // A throttle says when to come back (login keeps setting its own header).
      const retryAfter = err.code === 'RATE_LIMITED' ? err.details?.['retry_after_s'] : undefined;
      if (typeof retryAfter === 'number' && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(retryAfter));
      return reply.status(err.status).send(body(err.code, err.message, err.details));
    }
    if (err.validation) {
      const fields = describeSchemaErrors(err.validation);
      const where = err.validationContext === 'body' ? '' : ` (${err.validationContext})`;
      const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
      return reply.status(400).send(body('VALIDATION_ERROR', `Invalid request${where}: ${summary}`, { fields }));
    }
    if (isUnstorableText(err)) {
      return reply.status(400).send(body('VALIDATION_ERROR', 'Invalid request: text must not contain NUL (U+0000) or other control characters'));
    }
    const mapped = mapFastifyError(err);
    if (mapped) return reply.status(ERROR_STATUS[mapped.code]).send(body(mapped.code, mapped.message));
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('INTERNAL_ERROR', 'Something went wrong on our side'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(body('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}

function mapFastifyError(err: FastifyError): { code: ErrorCode; message: string } | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body as application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'VALIDATION_ERROR', message: 'Request body is empty but content-type is application/json' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'VALIDATION_ERROR', message: 'Request body is not valid JSON' };
    default:
      break;
  }
  if (err instanceof SyntaxError) return { code: 'VALIDATION_ERROR', message: `Request body is not valid JSON: ${err.message}` };
  const status = err.statusCode ?? 500;
  if (status === 413) return { code: 'PAYLOAD_TOO_LARGE', message: err.message };
  if (status === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', message: err.message };
  if (status === 429) return { code: 'RATE_LIMITED', message: err.message };
  if (status === 404) return { code: 'NOT_FOUND', message: err.message };
  if (status >= 400 && status < 500) return { code: 'VALIDATION_ERROR', message: err.message };
  return null;
}

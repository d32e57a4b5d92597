import { Type, type Static } from '@sinclair/typebox';
import { ERROR_STATUS } from '../errors.js';

/*
 * The low half of the OpenAPI description: what every route's `response` uses whatever its
 * domain (the error envelope by status, 204's empty body), with no domain imports. The named
 * domain schemas and `ref('Name')` are in components.ts; the document is assembled in document.ts.
 */

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.keys(ERROR_STATUS).map((c) => Type.Literal(c)), { description: 'Stable, machine-readable' }),
      message: Type.String({ description: 'For people: what went wrong and how to fix it' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'e.g. `fields` for a VALIDATION_ERROR' })),
    }),
  },
  { description: 'Every 4xx and 5xx answer has this shape (docs/openapi.md)' },
);

/** 204: nothing in the body. */
export const NoContent = Type.Null({ description: 'Done; no body' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_ERROR (with `details.fields`), INVALID_EVENTS or INVALID_URL',
  401: 'UNAUTHORIZED: no valid API key or session',
  403: 'FORBIDDEN (role or key scope) or LIMIT_REACHED (plan)',
  404: 'NOT_FOUND, also for another workspace’s objects',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED (see Retry-After)',
  503: 'SERVICE_UNAVAILABLE, e.g. the database is unreachable (see Retry-After)',
};

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

/** The error envelope for each listed status: `...errors(400, 404)` in a route's `response`. */
export function errors(...statuses: ErrorStatus[]): Record<number, ReturnType<typeof errorRef>> {
  return Object.fromEntries(statuses.map((s) => [s, errorRef(ERROR_DESCRIPTIONS[s])]));
}

/** `#/components/schemas/Error`, as components.ts's `ref('Error')` gives it. */
function errorRef(description?: string) {
  return Type.Unsafe<Static<typeof ErrorSchema>>({ $ref: 'Error', ...(description ? { description } : {}) });
}

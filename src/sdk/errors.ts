/** The body of every Linkwire error answer (docs/openapi.md). */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * A non-2xx answer from the API. `status` is the HTTP status; `code`, `message` and `details`
 * come from the error envelope (`body`), so `err.code === 'LIMIT_REACHED'` is how to branch.
 */
export class LinkwireError extends Error {
  override name = 'LinkwireError';
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds to wait, from Retry-After on 429 and 503; null when absent. */
  readonly retryAfterS: number | null;

  constructor(
    readonly status: number,
    readonly body: ErrorEnvelope,
    readonly method: string,
    readonly url: string,
    retryAfter: string | null = null,
  ) {
    super(`${method} ${url} → ${status} ${body.error.code}: ${body.error.message}`);
    this.code = body.error.code;
    this.details = body.error.details;
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    this.retryAfterS = Number.isFinite(seconds) ? seconds : null;
  }

  /** Builds the error from an answer; a body that is not the envelope (a proxy's page) is kept as the message. */
  static from(response: Response, body: unknown, method: string): LinkwireError {
    const envelope = isEnvelope(body)
      ? body
      : { error: { code: `HTTP_${response.status}`, message: typeof body === 'string' && body ? body.slice(0, 500) : response.statusText || 'Request failed' } };
    return new LinkwireError(response.status, envelope, method, response.url, response.headers.get('retry-after'));
  }
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}

/** Why `verifyWebhook` refused a request. */
export type WebhookVerificationReason = 'missing_headers' | 'invalid_timestamp' | 'stale_timestamp' | 'invalid_signature' | 'invalid_body';

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string,
  ) {
    super(message);
  }
}

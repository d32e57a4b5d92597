/** The one list of coded errors (docs/api.md, "Errors") with the HTTP status each one answers with. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_EVENTS: 400,
  INVALID_URL: 400,
  UNAUTHORIZED: 401,
  /** The password was right; send it again with `code` (a TOTP or recovery code). */
  TWO_FACTOR_REQUIRED: 401,
  FORBIDDEN: 403,
  LIMIT_REACHED: 403,
  /** The workspace requires two-factor sign-in and the user has not set it up: only the 2FA setup routes answer. */
  TWO_FACTOR_SETUP_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);
export const validationError = (message: string, details?: Record<string, unknown>): AppError =>
  new AppError('VALIDATION_ERROR', message, details);
export const forbidden = (message: string): AppError => new AppError('FORBIDDEN', message);
export const conflict = (message: string, details?: Record<string, unknown>): AppError =>
  new AppError('CONFLICT', message, details);

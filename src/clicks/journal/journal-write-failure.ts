/** How long appends go straight to the database path after a failed write before the journal is tried again. */
const RETRY_AFTER_FAILURE_MS = 1_000;
const ERROR_LOG_INTERVAL_MS = 60_000;

export interface FailureReporting {
  onWarning: (message: string) => void;
  /** A write failed (full disk, directory removed, I/O error): said once per failure, not per click. */
  onError?: (message: string) => void;
  /** Said when the journal is written again after a failure. */
  onRecovered?: (message: string) => void;
}

/**
 * Whether the click journal can be written, and when to try again after it could not: a failure
 * is reported once (and once a minute at most), its recovery once, and a retry is due a second
 * after the last attempt.
 */
export class JournalWriteFailure {
  private current: { message: string; retryAt: number } | null = null;
  private errorLoggedAt = -Infinity;
  private logged = false;

  constructor(
    private readonly dir: string,
    private readonly reporting: FailureReporting,
  ) {}

  /** Why the journal cannot be written now; null while it works. */
  get message(): string | null {
    return this.current?.message ?? null;
  }

  failed(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    const message = `click journal ${this.dir} cannot be written (${e.code ?? e.name}: ${e.message}); redirects are counted through the database until it can`;
    const now = Date.now();
    const first = this.current === null;
    this.current = { message, retryAt: now + RETRY_AFTER_FAILURE_MS };
    // Once per failure, and once a minute at most: a disk at its last pages flaps (a cut-off write
    // frees a page, the next small write fits, the one after fails) and must not flood the log.
    if (first && now - this.errorLoggedAt >= ERROR_LOG_INTERVAL_MS) {
      this.errorLoggedAt = now;
      this.logged = true;
      (this.reporting.onError ?? this.reporting.onWarning)(message);
    }
  }

  /** A write succeeded. */
  recovered(): void {
    if (this.current === null) return;
    this.current = null;
    if (this.logged) this.reporting.onRecovered?.(`click journal ${this.dir} is written again`);
    this.logged = false;
  }

  /** While failing: true once a second (the caller tries a write then), false in between. */
  retryDue(): boolean {
    const now = Date.now();
    if (this.current === null || now < this.current.retryAt) return false;
    this.current.retryAt = now + RETRY_AFTER_FAILURE_MS;
    return true;
  }
}

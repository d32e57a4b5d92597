/** After failures, the next run waits pollMs · 2^(failures−1), up to this (or pollMs, when that is longer). */
const MAX_BACKOFF_MS = 10_000;

/**
 * A restartable background loop: runs `step` when poked (coalescing pokes), again at once while
 * `step` says there is more, and at least every `pollMs` as a safety net for missed signals.
 * When `step` fails (the database is down, typically) it backs off exponentially instead of
 * spinning, ignores pokes until the next try, and reports only the change of state: the first
 * failure to `onError`, the recovery to `onRecover`.
 */
export class Loop {
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private failures = 0;

  constructor(
    readonly name: string,
    private readonly step: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly onRecover: (failures: number) => void = () => undefined,
  ) {}

  /** Consecutive failed runs (0 when healthy). */
  get failing(): number {
    return this.failures;
  }

  /** Runs now, or first after `firstRunInMs` (a job that should not run the moment the process starts). */
  start(firstRunInMs?: number): void {
    this.stopped = false;
    if (firstRunInMs === undefined) this.poke();
    else this.arm(firstRunInMs);
  }

  /** Run soon; if a run is in progress, run once more after it. */
  poke(): void {
    if (this.stopped) return;
    // Backing off: the armed retry runs soon enough; pokes must not turn an outage into a spin.
    if (this.failures > 0 && this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
    this.running = this.runUntilIdle().finally(() => {
      this.running = null;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.poke();
      } else {
        this.arm(this.failures > 0 ? this.backoffMs() : this.pollMs);
      }
    });
  }

  /** Run no later than `ms` from now (e.g. when the next retry falls due). */
  wakeIn(ms: number): void {
    if (this.stopped) return;
    this.arm(ms);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private arm(ms: number): void {
    const due = Date.now() + Math.max(0, ms);
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      this.poke();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  private backoffMs(): number {
    return Math.min(this.pollMs * 2 ** (this.failures - 1), Math.max(this.pollMs, MAX_BACKOFF_MS));
  }

  private async runUntilIdle(): Promise<void> {
    try {
      for (let i = 0; i < 1000 && !this.stopped; i++) {
        if (!(await this.step())) break;
      }
      if (this.failures > 0) {
        const failures = this.failures;
        this.failures = 0;
        this.onRecover(failures);
      }
    } catch (err) {
      if (this.failures === 0) this.onError(err);
      this.failures++;
      // A failure ends the "run again" request too: the backoff decides when to look next.
      this.again = false;
    }
  }
}

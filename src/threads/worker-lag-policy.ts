/**
 * The worker thread's CPU policy, decided by lag rather than fixed: the thread runs under
 * SCHED_IDLE (redirects first, see thread-priority.ts) while clicks reach their webhooks within a
 * bound, and at the main thread's normal priority while they do not. A fixed SCHED_IDLE starved
 * deliveries at load start (1–1.5 s to the first delivery at 1 000 clicks/s, issue 26) and let the
 * journal grow without bound under a sustained storm; a fixed normal priority takes the redirects'
 * cores whenever there is work.
 *
 * The decision is taken on the MAIN thread: a starved worker thread cannot be trusted to notice
 * its own starvation in time (its timers fire only when a core is free). The thread reports its lag
 * every REPORT_INTERVAL_MS; a report that is late counts as lag of that lateness.
 */

export type ThreadPolicy = 'idle' | 'normal';

/** How often the worker thread reports its lag (worker-thread.ts). */
export const REPORT_INTERVAL_MS = 50;

/**
 * The policy for the next interval. Over the bound → normal; back to idle only once the lag is
 * under half the bound, so that a lag hovering at the bound does not switch the policy (a child
 * process each time) at every sample.
 */
export function nextThreadPolicy(current: ThreadPolicy, lagMs: number, boundMs: number): ThreadPolicy {
  if (current === 'idle') return lagMs > boundMs ? 'normal' : 'idle';
  return lagMs <= boundMs / 2 ? 'idle' : 'normal';
}

/**
 * The lag the decision uses: what the thread last reported, or — when its report is overdue, the
 * thread starved of CPU — how overdue it is, whichever is larger.
 */
export function effectiveLagMs(reportedMs: number, reportedAt: number, now: number): number {
  return Math.max(reportedMs, now - reportedAt - REPORT_INTERVAL_MS);
}

export interface LagGovernorOptions {
  boundMs: number;
  /** Puts the thread under `policy`; rejects when the system refuses (no privilege to raise, say). */
  apply: (policy: ThreadPolicy) => Promise<void>;
  onRefused: (policy: ThreadPolicy, err: unknown) => void;
  onChange?: (policy: ThreadPolicy, lagMs: number) => void;
  now?: () => number;
  /** How often the decision is taken (default REPORT_INTERVAL_MS). */
  sampleMs?: number;
}

/** Samples the reported lag on a timer and switches the thread's policy when the decision changes. */
export class LagGovernor {
  private policy: ThreadPolicy = 'idle';
  private reportedMs = 0;
  private reportedAt: number;
  private applying = false;
  /** Once raising was refused, the thread stays idle: asking again every sample would only fail again. */
  private refused = false;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: LagGovernorOptions) {
    this.now = options.now ?? Date.now;
    this.reportedAt = this.now();
    this.timer = setInterval(() => this.sample(), options.sampleMs ?? REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  get current(): ThreadPolicy {
    return this.policy;
  }

  /** The thread's own figure: how long its oldest waiting click has waited, in ms. */
  report(lagMs: number): void {
    this.reportedMs = lagMs;
    this.reportedAt = this.now();
  }

  /** One decision (the timer's; tests call it directly). Resolves once a switch it started is applied. */
  async sample(): Promise<void> {
    if (this.applying || this.refused) return;
    const lag = effectiveLagMs(this.reportedMs, this.reportedAt, this.now());
    const next = nextThreadPolicy(this.policy, lag, this.options.boundMs);
    if (next === this.policy) return;
    this.applying = true;
    try {
      await this.options.apply(next);
      this.policy = next;
      this.options.onChange?.(next, lag);
    } catch (err) {
      this.refused = true;
      this.options.onRefused(next, err);
      // Whatever part of the switch went through, put the thread back where it was.
      await this.options.apply(this.policy).catch(() => undefined);
    } finally {
      this.applying = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

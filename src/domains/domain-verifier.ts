import type { BackgroundJob } from '../app.js';
import type { CheckOutcome, DomainService } from './domain-service.js';

export interface DomainVerifierOptions {
  /** How often the job wakes up. */
  intervalMs?: number;
  /** A pending domain is looked up again once its last check is this old. */
  pendingEveryMs?: number;
  /** A verified domain is re-checked (and unverified if its record is gone) once its last check is this old. */
  verifiedEveryMs?: number;
  /** Domains checked per run, least recently checked first. */
  batchSize?: number;
  onError?: (err: unknown) => void;
}

export const DOMAIN_VERIFIER_DEFAULTS = Object.freeze({
  intervalMs: 60_000,
  pendingEveryMs: 5 * 60_000,
  verifiedEveryMs: 60 * 60_000,
  batchSize: 200,
});

/** Re-checks custom domains' TXT records in the background; restartable, and `runOnce()` is callable directly. */
export class DomainVerifier implements BackgroundJob {
  readonly name = 'domain-verifier';
  private readonly options: Required<Omit<DomainVerifierOptions, 'onError'>>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly domains: DomainService,
    private readonly config: DomainVerifierOptions = {},
  ) {
    this.options = { ...DOMAIN_VERIFIER_DEFAULTS, ...stripUndefined(config) };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Checks every domain that is due now; answers what happened to each. */
  async runOnce(): Promise<{ id: string; hostname: string; outcome: CheckOutcome }[]> {
    const { pendingEveryMs, verifiedEveryMs, batchSize } = this.options;
    const due = await this.domains.dueForCheck({ pendingEveryMs, verifiedEveryMs, limit: batchSize });
    const results: { id: string; hostname: string; outcome: CheckOutcome }[] = [];
    for (const row of due) {
      try {
        results.push({ id: row.id, hostname: row.hostname, outcome: await this.domains.check(row) });
      } catch (err) {
        this.config.onError?.(err);
      }
    }
    return results;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runOnce()
      .catch((err: unknown) => this.config.onError?.(err))
      .finally(() => {
        this.running = null;
      });
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

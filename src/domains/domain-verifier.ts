import type { BackgroundJob } from '../jobs/background-job.js';
import { Loop } from '../jobs/loop.js';
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
  private readonly loop: Loop;

  constructor(
    private readonly domains: DomainService,
    private readonly config: DomainVerifierOptions = {},
  ) {
    this.options = { ...DOMAIN_VERIFIER_DEFAULTS, ...stripUndefined(config) };
    const onError = (err: unknown) => this.config.onError?.(err);
    this.loop = new Loop(this.name, async () => {
      await this.runOnce();
      return false;
    }, this.options.intervalMs, onError);
  }

  /** The first check runs one interval after start, as every later one does. */
  start(): void {
    this.loop.start(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
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
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

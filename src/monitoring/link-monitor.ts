import { randomUUID } from 'node:crypto';
import type { BackgroundJob } from '../jobs/background-job.js';
import { toIso } from '../runtime/clock.js';
import type { Config } from '../config.js';
import { Loop } from '../jobs/loop.js';
import { createTargetClient, type TargetClient } from '../outbound/target-client.js';
import { renderLink } from '../links/link-model.js';
import { CidrSet } from '../net/cidr.js';
import { checkTarget, type CheckResult } from './health-check.js';
import { MonitorStore, type DueMonitor } from './monitor-store.js';
import { transition, type MonitorStatus, type Transition } from './monitor-state.js';
import { onLinkChanged } from '../storage/signals.js';
import type { AppContext } from '../assembly/context.js';

export interface LinkMonitorOptions {
  /** Between two checks of one link (default 5 min). */
  intervalMs: number;
  /** After a healthy link's first failure: the confirming check comes this soon (default 1 min). */
  recheckMs: number;
  /** Consecutive failures before a healthy link counts as broken (default 2; a never-checked link needs 1). */
  failuresToBreak: number;
  /** Per request; a HEAD answered 405/501 is followed by a GET with its own timeout (default 10 s). */
  timeoutMs: number;
  /** How often the job looks for due links (default 15 s). */
  pollMs: number;
  /** Due links taken per round (default 100). */
  batchSize: number;
  /** Checks in flight at once in this process (default 8). */
  concurrency: number;
  onError?: (err: unknown) => void;
  /** Told when the loop works again after failing (the database is back). */
  onRecover?: (failures: number) => void;
}

export const LINK_MONITOR_DEFAULTS = Object.freeze({
  intervalMs: 5 * 60_000,
  recheckMs: 60_000,
  failuresToBreak: 2,
  timeoutMs: 10_000,
  pollMs: 15_000,
  batchSize: 100,
  concurrency: 8,
});

export interface LinkMonitorDeps extends Pick<AppContext, 'storage' | 'clock' | 'outbox'> {
  /** For the SSRF allow-list, the DNS server and rendering links in events. */
  config: Pick<Config, 'allowPrivateWebhookTargets' | 'dnsServer' | 'baseUrl'>;
}

export interface CheckedLink {
  linkId: string;
  result: CheckResult;
  status: MonitorStatus;
  event: Transition['event'];
}

/**
 * Health-checks monitored links (worker role). Each link's check is claimed through its
 * `next_check_at`, so any number of workers share the work and never check a link twice
 * at once; the result and its link.broken / link.recovered event commit together, and
 * only the claim that is still current may write them.
 */
export class LinkMonitor implements BackgroundJob {
  readonly name = 'link-monitor';
  readonly options: Readonly<Omit<LinkMonitorOptions, 'onError' | 'onRecover'>>;
  private readonly store: MonitorStore;
  private readonly loop: Loop;
  private client: TargetClient | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly deps: LinkMonitorDeps,
    options: Partial<LinkMonitorOptions> = {},
  ) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<LinkMonitorOptions>;
    const { onError, onRecover, ...rest } = defined;
    this.options = Object.freeze({ ...LINK_MONITOR_DEFAULTS, ...rest });
    this.onError = onError ?? (() => undefined);
    this.store = new MonitorStore(deps.storage);
    this.loop = new Loop(this.name, async () => (await this.runOnce()).more, this.options.pollMs, this.onError, onRecover);
  }

  start(): void {
    // A link created or edited with monitor on is checked now, not at the next poll.
    this.unsubscribe ??= onLinkChanged(this.deps.storage, () => this.loop.poke());
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.loop.stop();
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  /** One round: sync the state rows, then check up to batchSize due links. `more` when the batch was full. */
  async runOnce(): Promise<{ checked: CheckedLink[]; more: boolean }> {
    const { clock } = this.deps;
    await this.store.sync(clock.now());
    const due = await this.store.due(clock.now(), this.options.batchSize);
    const checked: CheckedLink[] = [];
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const candidate = due[next++]!;
        try {
          const outcome = await this.checkOne(candidate);
          if (outcome) checked.push(outcome);
        } catch (err) {
          // One link's trouble (a lost connection mid-write) must not stop the others.
          this.onError(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, due.length) }, worker));
    return { checked, more: due.length === this.options.batchSize };
  }

  private async checkOne(candidate: DueMonitor): Promise<CheckedLink | null> {
    const { clock, storage, outbox, config } = this.deps;
    const token = randomUUID();
    const startedAt = clock.now();
    // A HEAD, maybe a GET, and slack for writing the result.
    const leaseUntil = startedAt + 2 * this.options.timeoutMs + 30_000;
    const url = await this.store.claim(candidate, token, leaseUntil);
    if (url === null) return null;
    const result = await checkTarget(this.targetClient(), url, this.options.timeoutMs, startedAt);

    return storage.transaction(async (tx) => {
      const claimed = await this.store.lockClaimed(tx, candidate.link_id, token);
      if (!claimed) return null;
      const { state, link } = claimed;
      const step = transition(
        { status: state.status as MonitorStatus, consecutiveFailures: state.consecutive_failures },
        result,
        this.options,
      );
      const now = clock.now();
      const settled = await this.store.settle(tx, link.id, token, {
        status: step.state.status,
        consecutive_failures: step.state.consecutiveFailures,
        last_checked_at: result.checkedAt,
        last_status_code: result.statusCode,
        last_error: result.error,
        status_changed_at: step.state.status !== state.status ? now : state.status_changed_at,
        next_check_at: now + step.nextCheckInMs,
      });
      if (!settled) return null;
      if (step.event) {
        const check = { status_code: result.statusCode, error: result.error, checked_at: toIso(result.checkedAt) };
        await outbox.append(tx, [{ type: step.event, workspaceId: link.workspace_id, linkId: link.id, data: { link: renderLink(link, config.baseUrl), check } }]);
      }
      return { linkId: link.id, result, status: step.state.status, event: step.event };
    });
  }

  /** Created on first use (and again after stop), so runOnce() works whether or not the loop runs. */
  private targetClient(): TargetClient {
    this.client ??= createTargetClient({
      allowPrivate: new CidrSet(this.deps.config.allowPrivateWebhookTargets),
      dnsServer: this.deps.config.dnsServer,
      // Destinations may be plain http; private and reserved addresses stay refused as for webhooks.
      allowPublicHttp: true,
      connectionsPerOrigin: 2,
    });
    return this.client;
  }
}

import type { Clock } from '../runtime/clock.js';
import type { Outbox } from '../events/outbox.js';
import type { IdSource } from '../runtime/ids.js';
import type { DeliveryAttemptTable } from '../storage/schema.js';
import { notifyWebhooksChanged } from '../storage/signals.js';
import type { Storage, Tx } from '../storage/storage.js';
import { renderWebhook } from '../webhooks/webhook-model.js';
import { GroupCommit } from '../runtime/group-commit.js';
import { insertAttempts, markSucceeded, recordSuccesses, retryOrFail, setFailureStreaks, type EndpointStreakRow, type RetryOrFail } from './delivery-store.js';
import { decideEndpointHealth } from './endpoint-health.js';
import type { AttemptOutcome } from './outcome.js';
import type { RetryPolicy } from './retry-policy.js';
import { retryAt } from './schedule-retry.js';
import type { TargetResponse } from '../outbound/target-client.js';
import type { EndpointAlerts, StreakChange } from '../mail/endpoint-alerts.js';
import type { AttemptNotice } from '../events/attempt-notice.js';

/** One finished attempt, waiting to be written. */
export interface AttemptRecord {
  deliveryId: string;
  workspaceId: string;
  webhookId: string;
  isTest: boolean;
  attempt: number;
  startedAt: number;
  requestHeaders: Record<string, string>;
  response: TargetResponse;
  outcome: AttemptOutcome;
  retry: RetryPolicy;
  /** The event sent (absent for test sends): for the live stream and the end-to-end lag metric. */
  event?: { id: string; type: string; timestamp: number };
}

/** Watches attempts go by (metrics); must be cheap and must not throw. */
export interface DeliveryObserver {
  /** An attempt finished; called before its result is written. */
  attemptFinished(record: AttemptRecord): void;
  /** An endpoint was switched off for failing; called after that committed. */
  endpointDisabled(): void;
  /** Attempts whose results committed (the live event stream shows them). */
  attemptsCommitted?(notices: AttemptNotice[]): void;
}

/**
 * Writes attempt results in group commits (src/runtime/group-commit.ts, as the click recorder does): the attempt log, the
 * delivery's new state (succeeded; or retry at… / failed, decided in schedule-retry.ts) and the
 * endpoint's failure streak (decided in endpoint-health.ts), which may switch it off and emit
 * `webhook.disabled` in the same transaction.
 */
export class ResultWriter {
  private readonly commits: GroupCommit<AttemptRecord, void>;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; ids: IdSource; outbox: Outbox; random: () => number; alerts?: EndpointAlerts | null },
    private readonly leaseOwner: string,
    flushMs = 0,
    private readonly observer: DeliveryObserver | null = null,
  ) {
    this.commits = new GroupCommit<AttemptRecord, void>(
      async (records) => {
        const { storage } = this.deps;
        // The common case, a batch with no failure, needs no row lock nor any decision in between:
        // where the dialect can (PostgreSQL, where each statement is a round trip), one statement.
        // Failures (streaks, switching an endpoint off) take the transaction.
        if (storage.sql.dataModifyingCtes && records.every((r) => r.outcome.kind !== 'failed')) await this.applySuccesses(storage, records);
        else
          await storage.transaction(async (tx) => {
            // Safe to redo: a result lost with a crashed database server means the delivery is sent again.
            await tx.commitWithoutFlush();
            await this.apply(tx, records);
          });
        return records.map(() => undefined);
      },
      { flushMs },
    );
  }

  write(record: AttemptRecord): Promise<void> {
    this.observer?.attemptFinished(record);
    return this.commits.add(record);
  }

  close(): Promise<void> {
    return this.commits.drain();
  }

  private attemptRows(records: AttemptRecord[]): DeliveryAttemptTable[] {
    const { ids } = this.deps;
    return records.map((r) => ({
      id: ids.next('att'),
      delivery_id: r.deliveryId,
      workspace_id: r.workspaceId,
      attempt: r.attempt,
      started_at: r.startedAt,
      status_code: r.response.statusCode,
      response_time_ms: Math.round(r.response.responseTimeMs),
      error: r.outcome.kind === 'failed' ? r.outcome.reason : null,
      response_body: r.response.body === '' ? null : r.response.body,
      request_headers: JSON.stringify(r.requestHeaders),
      worker_id: this.leaseOwner,
    }));
  }

  private notices(records: AttemptRecord[], attempts: DeliveryAttemptTable[], statusAfter: Map<AttemptRecord, AttemptNotice['status']>): AttemptNotice[] {
    return records.map((r, i) => ({
      id: attempts[i]!.id,
      workspace_id: r.workspaceId,
      delivery_id: r.deliveryId,
      webhook_id: r.webhookId,
      event_id: r.event?.id ?? null,
      event_type: r.event?.type ?? null,
      attempt: r.attempt,
      status: statusAfter.get(r) ?? 'succeeded',
      status_code: r.response.statusCode,
      response_time_ms: attempts[i]!.response_time_ms ?? 0,
      error: attempts[i]!.error,
      started_at: r.startedAt,
    }));
  }

  /** A batch of successes only (PostgreSQL): the same writes as apply() in one statement (sql/record-successes.ts). */
  private async applySuccesses(storage: Storage, records: AttemptRecord[]): Promise<void> {
    const attempts = this.attemptRows(records);
    const healthy = [...new Set(records.filter((r) => !r.isTest).map((r) => r.webhookId))];
    await recordSuccesses(storage, attempts, healthy, this.leaseOwner, this.deps.clock.now());
    this.observer?.attemptsCommitted?.(this.notices(records, attempts, new Map()));
  }

  private async apply(tx: Tx, records: AttemptRecord[]): Promise<void> {
    const { clock, random, outbox } = this.deps;
    const now = clock.now();
    const attempts = this.attemptRows(records);
    await insertAttempts(tx, attempts);

    const succeeded: string[] = [];
    const failed: RetryOrFail[] = [];
    const statusAfter = new Map<AttemptRecord, AttemptNotice['status']>();
    for (const r of records) {
      if (r.outcome.kind !== 'failed') {
        succeeded.push(r.deliveryId);
        continue;
      }
      const at = retryAt({ ...r, outcome: r.outcome }, now, random);
      failed.push({ id: r.deliveryId, retryAt: at });
      statusAfter.set(r, at === null ? 'failed' : 'pending');
    }
    // One statement each for the batch's successes and its failures, whatever their number.
    await markSucceeded(tx, succeeded, this.leaseOwner, now);
    await retryOrFail(tx, failed, this.leaseOwner, now);

    const observer = this.observer;
    if (observer?.attemptsCommitted) {
      const notices = this.notices(records, attempts, statusAfter);
      // In-process only: a NOTIFY here would make every result commit take PostgreSQL's
      // cluster-wide notify lock, which slowed delivery badly under load.
      tx.afterCommit(() => observer.attemptsCommitted?.(notices));
    }

    // Endpoint health: the streak of failed attempts, in the order they finished. Test sends do not count.
    const byWebhook = new Map<string, AttemptRecord[]>();
    for (const r of records) {
      if (r.isTest) continue;
      const list = byWebhook.get(r.webhookId) ?? [];
      list.push(r);
      byWebhook.set(r.webhookId, list);
    }
    const failingHooks = [...byWebhook].filter(([, list]) => list.some((r) => r.outcome.kind === 'failed')).map(([id]) => id);
    const healthyHooks = [...byWebhook].filter(([, list]) => list.every((r) => r.outcome.kind === 'succeeded')).map(([id]) => id);
    if (healthyHooks.length) {
      await tx.db
        .updateTable('webhooks')
        .set({ consecutive_failures: 0, failing_since: null })
        .where('id', 'in', healthyHooks)
        .where('consecutive_failures', '>', 0)
        .execute();
    }
    if (failingHooks.length === 0) return;
    const streaks: EndpointStreakRow[] = [];
    const changes: StreakChange[] = [];
    for (const hook of await tx.lockRows(tx.db.selectFrom('webhooks').selectAll().where('id', 'in', failingHooks)).execute()) {
      const batch = byWebhook.get(hook.id) ?? [];
      const { failures, since, disableReason } = decideEndpointHealth({ failures: hook.consecutive_failures, since: hook.failing_since }, batch, now);
      const alreadyOff = hook.active === 0;
      const lastFailure = batch.findLast((r) => r.outcome.kind === 'failed')?.outcome;
      changes.push({
        webhook: hook,
        before: batch.some((r) => r.outcome.kind === 'succeeded') ? 0 : Number(hook.consecutive_failures),
        after: failures,
        disabledReason: disableReason && !alreadyOff ? disableReason : null,
        lastError: lastFailure?.kind === 'failed' ? lastFailure.reason : null,
      });
      if (disableReason && !alreadyOff) {
        const updated = { ...hook, active: 0, consecutive_failures: failures, failing_since: since, disabled_at: now, disabled_reason: disableReason, updated_at: now };
        await tx.db
          .updateTable('webhooks')
          .set({ active: 0, consecutive_failures: failures, failing_since: since, disabled_at: now, disabled_reason: disableReason, updated_at: now })
          .where('id', '=', hook.id)
          .execute();
        await notifyWebhooksChanged(tx, hook.workspace_id);
        const links = await tx.db.selectFrom('webhook_links').select('link_id').where('webhook_id', '=', hook.id).execute();
        if (observer) tx.afterCommit(() => observer.endpointDisabled());
        await outbox.append(tx, [
          { type: 'webhook.disabled', workspaceId: hook.workspace_id, data: { webhook: renderWebhook(updated, links.map((l) => l.link_id)) } },
        ]);
      } else {
        streaks.push({ id: hook.id, failures, since });
      }
    }
    // The streaks of every other failing endpoint in one statement (50 endpoints timing out together are one write, not 50).
    await setFailureStreaks(tx, streaks);
    // Owners and admins hear of a failing endpoint at 5, 10 and 15 failures and when it is switched off.
    if (this.deps.alerts) await this.deps.alerts.record(tx, changes);
  }
}


import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import { envelopeFromRow, type EventEnvelope } from '../events/outbox.js';
import type { DeliveryTable } from '../storage/schema.js';
import type { Storage } from '../storage/storage.js';
import { parseWebhookRow, type WebhookView } from '../webhooks/webhook-model.js';
import { Loop } from './loop.js';
import { classifyResponse } from './outcome.js';
import { buildDeliveryRequest } from './request.js';
import type { ResultWriter } from './result-writer.js';
import type { TargetClient } from './target-client.js';

export interface WorkerOptions {
  /** Sends in flight across all endpoints. */
  maxInFlight: number;
  /** Sends in flight to one endpoint: a slow or hanging endpoint can hold no more than this. */
  perEndpoint: number;
  /**
   * The cap for an endpoint we know nothing about yet, or whose last send failed. It doubles
   * with each success up to `perEndpoint` (slow start), so endpoints that hang can hold only a
   * few sends each, while a healthy one reaches full concurrency within a few deliveries.
   */
  perUnprovenEndpoint: number;
  /** How long a claim is ours; it must outlast the longest timeout (30 s) so a live worker never loses one. */
  leaseMs: number;
  pollMs: number;
  /** On stop: how long to let in-flight sends finish before releasing their claims. */
  shutdownGraceMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = Object.freeze({
  maxInFlight: 1024,
  perEndpoint: 32,
  perUnprovenEndpoint: 2,
  leaseMs: 60_000,
  pollMs: 1000,
  shutdownGraceMs: 5000,
});

interface Job {
  delivery: DeliveryTable;
  webhook: WebhookView;
  envelope: EventEnvelope;
}

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Claims due deliveries with a lease and sends them, fairly: candidates are taken oldest first
 * but never more than `perEndpoint` at once for one endpoint, so endpoints that hang only ever
 * occupy their own slots while healthy ones keep flowing. On PostgreSQL, claims use
 * FOR UPDATE SKIP LOCKED so several workers share a backlog; a dead worker's leases expire and
 * its deliveries are claimed again (at-least-once).
 */
export class DeliveryWorker {
  private readonly loop: Loop;
  private readonly inFlightByEndpoint = new Map<string, number>();
  /** Each endpoint's current concurrency cap (see `perUnprovenEndpoint`). */
  private readonly endpointCaps = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  private inFlight = 0;
  private readonly unsubscribe: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; client: TargetClient; writer: ResultWriter; onError?: (err: unknown) => void },
    readonly workerId: string,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    this.loop = new Loop('delivery-worker', () => this.claimAndSend(), options.pollMs, deps.onError);
  }

  async start(): Promise<void> {
    if (this.deps.storage.dialect === 'sqlite') {
      // One process owns an embedded database: claims left by a previous run are stale.
      await this.deps.storage.db.updateTable('deliveries').set({ lease_until: null, lease_owner: null }).where('lease_until', 'is not', null).execute();
    }
    this.unsubscribe.push(this.deps.storage.subscribe('delivery_due', () => this.loop.poke()));
    this.stopping = false;
    this.loop.start();
  }

  poke(): void {
    this.loop.poke();
  }

  get busy(): number {
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const u of this.unsubscribe.splice(0)) u();
    await this.loop.stop();
    const all = Promise.allSettled([...this.sends]);
    const timedOut = await Promise.race([all.then(() => false), sleep(this.options.shutdownGraceMs).then(() => true)]);
    if (timedOut) {
      // Give unfinished claims back so another worker (or the next start) sends them at once.
      await this.deps.storage.db
        .updateTable('deliveries')
        .set({ lease_until: null, lease_owner: null })
        .where('lease_owner', '=', this.workerId)
        .where('status', '=', 'pending')
        .execute();
    }
  }

  /** One round of claiming; returns whether to go again at once. */
  private async claimAndSend(): Promise<boolean> {
    if (this.stopping) return false;
    const room = this.options.maxInFlight - this.inFlight;
    if (room <= 0) return false;
    const jobs = await this.claim(Math.min(room, 500));
    for (const job of jobs) this.launch(job);
    if (jobs.length === 0) await this.scheduleNextDue();
    return jobs.length > 0 && this.inFlight < this.options.maxInFlight;
  }

  private async claim(limit: number): Promise<Job[]> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    const saturated = [...this.inFlightByEndpoint].filter(([id, n]) => n >= this.capOf(id)).map(([id]) => id);
    let candidatesQuery = storage.db
      .selectFrom('deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.id', 'd.webhook_id'])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
      .where((eb) => eb.or([eb('w.active', '=', 1), eb('d.is_test', '=', 1)]))
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .limit(Math.max(limit * 4, 200));
    if (saturated.length) candidatesQuery = candidatesQuery.where('d.webhook_id', 'not in', saturated);
    const candidates = await candidatesQuery.execute();
    if (candidates.length === 0) return [];

    const taken = new Map<string, number>();
    const chosen: string[] = [];
    for (const c of candidates) {
      const used = (this.inFlightByEndpoint.get(c.webhook_id) ?? 0) + (taken.get(c.webhook_id) ?? 0);
      if (used >= this.capOf(c.webhook_id)) continue;
      taken.set(c.webhook_id, (taken.get(c.webhook_id) ?? 0) + 1);
      chosen.push(c.id);
      if (chosen.length >= limit) break;
    }
    if (chosen.length === 0) return [];

    const leaseUntil = now + this.options.leaseMs;
    const claimed = await storage.db
      .updateTable('deliveries')
      .set({ lease_until: leaseUntil, lease_owner: this.workerId, updated_at: now })
      .where('id', 'in', (eb) => {
        let sub = eb
          .selectFrom('deliveries')
          .select('id')
          .where('id', 'in', chosen)
          .where('status', '=', 'pending')
          .where((e) => e.or([e('lease_until', 'is', null), e('lease_until', '<', now)]));
        if (storage.dialect === 'postgres') sub = sub.forUpdate().skipLocked();
        return sub;
      })
      .returningAll()
      .execute();
    if (claimed.length === 0) return [];

    const hookIds = [...new Set(claimed.map((d) => d.webhook_id))];
    const hooks = new Map((await storage.db.selectFrom('webhooks').selectAll().where('id', 'in', hookIds).execute()).map((h) => [h.id, parseWebhookRow(h)]));
    const eventIds = claimed.filter((d) => d.is_test === 0).map((d) => d.event_id);
    const events = new Map<string, EventEnvelope>();
    for (let i = 0; i < eventIds.length; i += 500) {
      const rows = await storage.db.selectFrom('events').selectAll().where('id', 'in', eventIds.slice(i, i + 500)).execute();
      for (const row of rows) events.set(row.id, envelopeFromRow(row));
    }
    const jobs: Job[] = [];
    const orphans: string[] = [];
    for (const delivery of claimed) {
      const webhook = hooks.get(delivery.webhook_id);
      const envelope = delivery.is_test === 1 && delivery.body ? (JSON.parse(delivery.body) as EventEnvelope) : events.get(delivery.event_id);
      if (!webhook || !envelope) orphans.push(delivery.id);
      else jobs.push({ delivery, webhook, envelope });
    }
    if (orphans.length) {
      // The webhook or the event is gone (deleted, purged): nothing can be sent any more.
      await storage.db.updateTable('deliveries').set({ status: 'failed', lease_until: null, lease_owner: null, updated_at: now }).where('id', 'in', orphans).execute();
    }
    return jobs;
  }

  private capOf(endpoint: string): number {
    return this.endpointCaps.get(endpoint) ?? this.options.perUnprovenEndpoint;
  }

  private launch(job: Job): void {
    const endpoint = job.delivery.webhook_id;
    this.inFlight++;
    this.inFlightByEndpoint.set(endpoint, (this.inFlightByEndpoint.get(endpoint) ?? 0) + 1);
    const send = this.send(job)
      .catch((err: unknown) => this.deps.onError?.(err))
      .finally(() => {
        this.inFlight--;
        const left = (this.inFlightByEndpoint.get(endpoint) ?? 1) - 1;
        if (left <= 0) this.inFlightByEndpoint.delete(endpoint);
        else this.inFlightByEndpoint.set(endpoint, left);
        this.sends.delete(send);
        if (!this.stopping) this.loop.poke();
      });
    this.sends.add(send);
  }

  private async send(job: Job): Promise<void> {
    const { clock, client, writer } = this.deps;
    const startedAt = clock.now();
    const attempt = job.delivery.attempts_count + 1;
    const request = buildDeliveryRequest({ webhook: job.webhook, envelope: job.envelope, deliveryId: job.delivery.id, attempt, nowMs: startedAt });
    const response = await client.send({ url: request.url, method: 'POST', headers: request.headers, body: request.body, timeoutMs: job.webhook.timeoutMs });
    const outcome = classifyResponse(response, clock.now());
    const cap = this.capOf(job.webhook.id);
    this.endpointCaps.set(job.webhook.id, outcome.kind === 'succeeded' ? Math.min(this.options.perEndpoint, cap * 2) : this.options.perUnprovenEndpoint);
    if (this.endpointCaps.size > 100_000) this.endpointCaps.clear();
    await writer.write({
      deliveryId: job.delivery.id,
      workspaceId: job.delivery.workspace_id,
      webhookId: job.webhook.id,
      isTest: job.delivery.is_test === 1,
      attempt,
      startedAt,
      requestHeaders: request.headers,
      response,
      outcome,
      retry: job.webhook.retry,
    });
  }

  /** Sleep until the earliest scheduled retry (bounded by the poll interval). */
  private async scheduleNextDue(): Promise<void> {
    const row = await this.deps.storage.db
      .selectFrom('deliveries')
      .select(sql<number | null>`min(next_attempt_at)`.as('due'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (row?.due != null) this.loop.wakeIn(Math.min(this.options.pollMs, Math.max(0, Number(row.due) - this.deps.clock.now())));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

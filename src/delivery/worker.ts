import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../runtime/clock.js';
import { storedEventFromEnvelope, type EventEnvelope, type StoredEvent } from '../events/outbox.js';
import type { DeliveryTable, WebhookTable } from '../storage/schema.js';
import { onDeliveryDue } from '../storage/signals.js';
import type { Storage } from '../storage/storage.js';
import { parseWebhookRow, type WebhookView } from '../webhooks/webhook-model.js';
import {
  claimDue,
  claimRound,
  endpointsWithDue,
  eventsByIds,
  webhooksByIds,
  type ClaimWant,
  failOrphans,
  nextDueAt,
  releaseAllClaimsOf,
  releaseClaims,
  releaseStaleClaims,
} from './delivery-store.js';
import { EndpointQueues, pausesEndpoint, type Job } from './endpoint-queues.js';
import { Loop } from '../jobs/loop.js';
import { classifyResponse, type AttemptOutcome } from './outcome.js';
import { loggedRequestHeaders, tryBuildDeliveryRequest, unsentResponse, type DeliveryRequest } from './request.js';
import type { ResultWriter } from './result-writer.js';
import type { TargetResponse } from '../outbound/target-client.js';
import type { DeliveryTransport } from '../outbound/transport.js';
import { transportRequest } from './transport-request.js';

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

/**
 * Claimed ahead per endpoint, in sends' worth: the next send starts without a database round trip.
 * Not more: a claim queued behind several rounds of slow sends would outlive its lease's safety
 * margin and be given back unsent (measured: 4 rounds ahead made a 3 s lease churn under load).
 */
const PREFETCH_FACTOR = 2;
/**
 * An endpoint is claimed for again once this many sends' worth of room has opened in its queue
 * (one round of its slots: 32 deliveries at the default cap, in one claim statement with every
 * other endpoint that has room).
 */
const REFILL_FACTOR = 1;
/** A queued claim that could expire before its send would time out is given back instead of sent. */
const LEASE_SAFETY_MS = 5000;
/** Never poll faster than this, whatever is due: a claim round that finds nothing must not spin. */
const MIN_WAKE_MS = 20;
const leaseSafetyMs = (leaseMs: number): number => Math.min(LEASE_SAFETY_MS, leaseMs / 4);

/**
 * Deliveries fan-out has just written, leased to the local worker in the same transaction and
 * queued there once it commits: at a steady click rate each one used to cost a claim round of its
 * own (an UPDATE, its commit, the event and webhook read again — about half a millisecond on
 * SQLite), for rows the fan-out had in hand. Only up to the endpoint's free room, so claims still
 * feed whatever is older or more than the queue takes, and endpoints that fan-out sees stalled
 * get none.
 */
export interface FreshHandoff {
  /** The lease owner to write on handed-over rows. */
  readonly owner: string;
  readonly leaseMs: number;
  /** How many more jobs the worker's queues take now, all endpoints together. */
  totalRoom(): number;
  /** How many more jobs this endpoint's queue takes now. */
  roomFor(endpoint: string): number;
  /** Called after the transaction that leased them has committed. */
  adopt(jobs: readonly Job[]): void;
}

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Claims due deliveries with a lease and sends them, fairly: each endpoint is claimed for
 * separately, up to what its own concurrency cap can use, so endpoints that hang only ever
 * occupy their own few slots and their backlog is never even read while they are full; healthy
 * endpoints keep flowing. On PostgreSQL, claims use FOR UPDATE SKIP LOCKED so several workers
 * share a backlog; a dead worker's leases expire and its deliveries are claimed again
 * (at-least-once).
 */
export class DeliveryWorker {
  private readonly loop: Loop;
  private readonly queues: EndpointQueues;
  private readonly sends = new Set<Promise<void>>();
  private readonly unsubscribe: (() => void)[] = [];
  /**
   * Endpoints with nothing claimable due at the last claim round. Their
   * finished sends do not ask for another claim round (at 50 endpoints, a round that finds nothing
   * costs a millisecond, and one per finished send starved everything else); new deliveries
   * (a signal, `poke`) or the next due time clear it.
   */
  private readonly drained = new Set<string>();
  /** Paused endpoints with queued sends: when to pump each again. */
  private readonly pauseTimers = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; client: DeliveryTransport; writer: ResultWriter; onError?: (err: unknown) => void; onRecover?: (failures: number) => void },
    readonly workerId: string,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    this.loop = new Loop('delivery-worker', () => this.claimRound(), options.pollMs, deps.onError, deps.onRecover);
    this.queues = new EndpointQueues(options.perEndpoint, options.perUnprovenEndpoint);
    this.handoff = {
      owner: workerId,
      leaseMs: options.leaseMs,
      totalRoom: () => (this.stopping ? 0 : Math.max(0, options.maxInFlight * PREFETCH_FACTOR - this.queues.held)),
      // Asked only while totalRoom() is above zero, so never while stopping.
      roomFor: (endpoint) => Math.max(0, this.queues.roomFor(endpoint, PREFETCH_FACTOR)),
      adopt: (jobs) => this.adopt(jobs),
    };
  }

  async start(): Promise<void> {
    if (!this.deps.storage.sharedByProcesses) {
      // One process owns an embedded database: claims left by a previous run are stale.
      await releaseStaleClaims(this.deps.storage);
    }
    this.unsubscribe.push(onDeliveryDue(this.deps.storage, () => this.poke()));
    this.stopping = false;
    this.loop.start();
  }

  /** Something may have become due (fan-out created deliveries, a replay): look at every endpoint again. */
  poke(): void {
    this.drained.clear();
    this.loop.poke();
  }

  get busy(): number {
    return this.queues.inFlight;
  }

  /**
   * Fan-out's way to give this worker the deliveries it has just created, leased to it in the
   * same transaction, so they are sent without a claim round (see FreshHandoff).
   */
  readonly handoff: FreshHandoff;

  private adopt(jobs: readonly Job[]): void {
    if (this.stopping) {
      // Leased to us after stop began: hand them back so the next worker (or start) sends them.
      void this.release(jobs.map((j) => j.delivery.id)).catch((err: unknown) => this.deps.onError?.(err));
      return;
    }
    for (const job of jobs) this.queues.enqueue(job);
    this.pumpAll();
  }

  /** Whether this worker sees the endpoint failing or hanging (EndpointQueues.stalled). */
  stalled(endpoint: string): boolean {
    return this.queues.stalled(endpoint);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.pauseTimers.values()) clearTimeout(timer);
    this.pauseTimers.clear();
    for (const u of this.unsubscribe.splice(0)) u();
    await this.loop.stop();
    // Claimed but not started: hand back at once so another worker (or the next start) sends them.
    await this.release(this.queues.drainQueued().map((j) => j.delivery.id));
    const all = Promise.allSettled([...this.sends]);
    const timedOut = await Promise.race([all.then(() => false), sleep(this.options.shutdownGraceMs).then(() => true)]);
    if (timedOut) await releaseAllClaimsOf(this.deps.storage, this.workerId);
  }

  /**
   * One round of claiming. It never asks the loop to go again at once (always false): sends that
   * finish poke the loop when a slot's worth of room has opened, and an empty round sleeps until
   * the next delivery falls due.
   */
  private async claimRound(): Promise<boolean> {
    if (this.stopping) return false;
    const room = this.options.maxInFlight * PREFETCH_FACTOR - this.queues.held;
    if (room <= 0) return false;
    const jobs = await this.claim(Math.min(room, 1000));
    for (const job of jobs) this.queues.enqueue(job);
    this.pumpAll();
    if (jobs.length === 0) await this.scheduleNextDue();
    return false;
  }

  private async claim(limit: number): Promise<Job[]> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    const full = this.queues.fullEndpoints(PREFETCH_FACTOR);
    if (storage.sql.dataModifyingCtes) return this.claimInOneStatement(limit, now, full); // PostgreSQL: the whole round in one statement

    // Which endpoints have something due: one index probe per active endpoint, never a scan of the backlog.
    const endpoints = await endpointsWithDue(storage, now, full);
    // An endpoint we hold work for that has nothing claimable due is drained until told otherwise.
    // (Not one whose claim merely came back short: on PostgreSQL another worker may have had the rows
    // locked for a moment, and it must keep asking for its share.)
    for (const endpoint of this.queues.endpointsHeld()) this.drained.add(endpoint);
    for (const endpoint of full) this.drained.delete(endpoint);
    for (const endpoint of endpoints) this.drained.delete(endpoint);
    if (endpoints.length === 0) return [];

    // Each endpoint up to what its queue can use (its free slots' worth), oldest first within each;
    // one statement claims for all of them.
    const wants: ClaimWant[] = [];
    let left = limit;
    for (const endpoint of endpoints) {
      const want = Math.min(this.queues.roomFor(endpoint, PREFETCH_FACTOR), left);
      if (want <= 0) continue;
      wants.push({ endpoint, limit: want });
      left -= want;
      if (left <= 0) break;
    }
    if (wants.length === 0) return [];

    const { deliveries: claimed, events } = await claimDue(storage, wants, this.workerId, now, now + this.options.leaseMs);
    if (claimed.length === 0) return [];
    claimed.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || (a.id < b.id ? -1 : 1));
    return this.loadJobs(claimed, events, now);
  }

  /**
   * PostgreSQL: the same round as claim() (every endpoint with room, up to its room) in one
   * statement that also answers the events and webhooks (sql/claim.ts, claimRound).
   */
  private async claimInOneStatement(limit: number, now: number, full: string[]): Promise<Job[]> {
    const { storage } = this.deps;
    const { deliveries: claimed, events, webhooks } = await claimRound(
      storage,
      { known: this.queues.knownRooms(PREFETCH_FACTOR), otherLimit: this.queues.defaultRoom(PREFETCH_FACTOR), excluding: full, total: limit },
      this.workerId,
      now,
      now + this.options.leaseMs,
    );
    // As in claim(): an endpoint we hold work for that got nothing is drained until told otherwise.
    const got = new Set(claimed.map((d) => d.webhook_id));
    for (const endpoint of this.queues.endpointsHeld()) if (!got.has(endpoint)) this.drained.add(endpoint);
    for (const endpoint of full) this.drained.delete(endpoint);
    for (const endpoint of got) this.drained.delete(endpoint);
    if (claimed.length === 0) return [];
    claimed.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || (a.id < b.id ? -1 : 1));
    return this.loadJobs(claimed, events, now, webhooks);
  }

  private async loadJobs(claimed: DeliveryTable[], loaded: Map<string, StoredEvent> | null, now: number, hookRows?: WebhookTable[]): Promise<Job[]> {
    const { storage } = this.deps;
    const hookIds = [...new Set(claimed.map((d) => d.webhook_id))];
    const hooks = new Map<string, WebhookView>((hookRows ?? (await webhooksByIds(storage, hookIds))).map((h) => [h.id, parseWebhookRow(h)]));
    let events = loaded;
    if (events === null) {
      // SQLite: the claim could not join the events (UPDATE … RETURNING cannot); one more statement reads them.
      events = new Map();
      for (const row of await eventsByIds(storage, claimed.filter((d) => d.is_test === 0).map((d) => d.event_id))) events.set(row.id, row);
    }
    const jobs: Job[] = [];
    const orphans: string[] = [];
    for (const delivery of claimed) {
      const webhook = hooks.get(delivery.webhook_id);
      const event = delivery.is_test === 1 && delivery.body ? storedEventFromEnvelope(JSON.parse(delivery.body) as EventEnvelope) : events.get(delivery.event_id);
      if (!webhook || !event) orphans.push(delivery.id);
      else jobs.push({ delivery, webhook, event, leaseUntil: delivery.lease_until ?? now });
    }
    if (orphans.length) {
      // The webhook or the event is gone (deleted, purged): nothing can be sent any more.
      await failOrphans(storage, orphans, now);
    }
    return jobs;
  }

  private pumpAll(): void {
    for (const endpoint of this.queues.endpointsWithQueued()) this.pump(endpoint);
  }

  /** Starts queued sends for an endpoint while it has free slots (and the worker has room). */
  private pump(endpoint: string): void {
    const expired: string[] = [];
    for (;;) {
      if (this.stopping || this.queues.inFlight >= this.options.maxInFlight) break;
      const job = this.queues.next(endpoint);
      if (!job) break;
      if (this.deps.clock.now() + this.sendTimeoutMs(job) + leaseSafetyMs(this.options.leaseMs) > job.leaseUntil) {
        this.queues.finished(endpoint, null);
        expired.push(job.delivery.id);
        continue;
      }
      this.launch(job);
    }
    if (expired.length) void this.release(expired).catch((err: unknown) => this.deps.onError?.(err));
    const until = this.queues.pausedUntil(endpoint);
    if (until !== null && !this.pauseTimers.has(endpoint) && this.queues.heldBy(endpoint) > 0) {
      // Its queue waits out the pause (see EndpointQueues.finished), then goes on.
      const timer = setTimeout(() => {
        this.pauseTimers.delete(endpoint);
        if (!this.stopping) this.pump(endpoint);
      }, Math.max(1, until - performance.now()));
      timer.unref();
      this.pauseTimers.set(endpoint, timer);
    }
  }

  private launch(job: Job): void {
    const send = this.send(job)
      .catch((err: unknown) => this.deps.onError?.(err))
      .finally(() => this.sends.delete(send));
    this.sends.add(send);
  }

  private async send(job: Job): Promise<void> {
    const { clock, client, writer } = this.deps;
    const endpoint = job.delivery.webhook_id;
    const startedAt = clock.now();
    const attempt = job.delivery.attempts_count + 1;
    let outcome: AttemptOutcome | undefined;
    let response: TargetResponse;
    let request: DeliveryRequest | null = null;
    let pauseEndpoint = false;
    try {
      const built = tryBuildDeliveryRequest({ webhook: job.webhook, event: job.event, deliveryId: job.delivery.id, attempt, nowMs: startedAt });
      if ('error' in built) {
        // It will not build next time either (a malformed stored secret, …): record a failed attempt
        // with the reason, so the retry schedule runs its course instead of a silent re-send at every lease expiry.
        response = unsentResponse(built.error);
        outcome = { kind: 'failed', reason: built.error, disableEndpoint: null, retryAfterMs: null };
      } else {
        request = built;
        response = await client.send(transportRequest(built, job.event, this.sendTimeoutMs(job)));
        pauseEndpoint = pausesEndpoint(response.errorKind, built.url);
        outcome = classifyResponse(response, clock.now());
      }
    } finally {
      // The slot is free as soon as the endpoint has answered; the lease covers the write.
      this.queues.finished(endpoint, outcome ? outcome.kind === 'succeeded' : false, pauseEndpoint);
      if (!this.stopping) {
        this.pump(endpoint);
        // Refill in batches: claim again once a full slot's worth of room has opened up.
        if (!this.drained.has(endpoint) && this.queues.roomFor(endpoint, PREFETCH_FACTOR) >= REFILL_FACTOR * this.queues.capOf(endpoint)) this.loop.poke();
      }
    }
    await writer.write({
      deliveryId: job.delivery.id,
      workspaceId: job.delivery.workspace_id,
      webhookId: job.webhook.id,
      isTest: job.delivery.is_test === 1,
      attempt,
      startedAt,
      requestHeaders: request ? loggedRequestHeaders(request.headers, job.webhook.headers) : {},
      response,
      outcome,
      retry: job.webhook.retry,
      ...(job.delivery.is_test === 1 ? {} : { event: { id: job.event.id, type: job.event.type, timestamp: job.event.timestamp } }),
    });
  }

  /**
   * The webhook's timeout, but never more than a fresh claim can cover: a webhook whose timeout
   * exceeds the lease (stored before the operator shortened it) is sent with a shorter timeout
   * rather than released at every lease expiry, forever, unsent.
   */
  private sendTimeoutMs(job: Job): number {
    return Math.min(job.webhook.timeoutMs, this.options.leaseMs - 2 * leaseSafetyMs(this.options.leaseMs));
  }

  private async release(ids: string[]): Promise<void> {
    await releaseClaims(this.deps.storage, ids, this.workerId);
  }

  /** Sleep until the earliest unclaimed retry falls due (bounded by the poll interval, which also catches expired claims). */
  private async scheduleNextDue(): Promise<void> {
    const due = await nextDueAt(this.deps.storage);
    if (due !== null) this.loop.wakeIn(Math.min(this.options.pollMs, Math.max(MIN_WAKE_MS, due - this.deps.clock.now())));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

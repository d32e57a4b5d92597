import type { StoredEvent } from '../events/outbox.js';
import type { DeliveryTable } from '../storage/schema.js';
import type { WebhookView } from '../webhooks/webhook-model.js';
import { isBrokerUrl } from '../outbound/destinations.js';
import type { TargetErrorKind } from '../outbound/target-errors.js';

/** A claimed delivery, ready to send. */
export interface Job {
  delivery: DeliveryTable;
  webhook: WebhookView;
  event: StoredEvent;
  leaseUntil: number;
}

/**
 * A broker destination's cap is this many times an HTTPS endpoint's. Its sends are publishes
 * pipelined on one pooled connection (a few hundred bytes in flight each, no socket or TLS
 * handshake of their own), and the answer is a broker's ack, so its throughput is the number in
 * flight over the ack's round trip; at the HTTPS cap (32) a JetStream destination sat idle waiting
 * for PubAcks. Slow start and the timeout pause apply as to any endpoint, so a broker that hangs
 * holds its slots only until its first timeouts, then one at a time.
 */
export const BROKER_CAP_FACTOR = 4;

/**
 * Whether an attempt's answer pauses its endpoint (EndpointQueues.finished): a timeout, or a
 * broker whose connection is down. Such a broker's attempts fail at once, and 50 of them made
 * thousands of instant failed attempts a second — the worker's whole CPU, healthy endpoints'
 * deliveries waiting seconds (bench scenario 4, silent brokers).
 */
export function pausesEndpoint(errorKind: TargetErrorKind | null, url: string): boolean {
  return errorKind === 'timeout' || (errorKind === 'connect' && isBrokerUrl(url));
}

/** An endpoint with sends in flight and none finished for this long is stalled (see `stalled`). */
export const STALL_MS = 1000;
/** After a send timed out, the endpoint's next send waits about this long; doubling while it keeps timing out. */
export const TIMEOUT_PAUSE_FIRST_MS = 2000;
export const TIMEOUT_PAUSE_MAX_MS = 60_000;

/**
 * The worker's per-endpoint bookkeeping: claimed deliveries waiting to be sent, sends in flight,
 * and each endpoint's concurrency cap (slow start: it doubles with each success up to the
 * maximum and falls back to the minimum on a failure).
 */
export class EndpointQueues {
  private readonly queued = new Map<string, Job[]>();
  private readonly running = new Map<string, number>();
  private readonly caps = new Map<string, number>();
  /** Broker destinations seen in enqueued jobs: their cap grows to BROKER_CAP_FACTOR × the maximum. */
  private readonly brokers = new Set<string>();
  /** When each busy endpoint last made progress: its first send started, or a send finished. */
  private readonly progressAt = new Map<string, number>();
  /** Endpoints whose latest finished attempt failed. */
  private readonly failing = new Set<string>();
  /** Endpoints whose latest attempt timed out: no send before `until`, then one at a time (see `finished`). */
  private readonly paused = new Map<string, { until: number; pauseMs: number }>();
  private queuedCount = 0;
  /** When any send last finished (performance.now()). */
  private lastFinishAt = -Infinity;
  inFlight = 0;

  constructor(
    private readonly maxCap: number,
    private readonly minCap: number,
  ) {}

  get held(): number {
    return this.inFlight + this.queuedCount;
  }

  capOf(endpoint: string): number {
    if (this.paused.has(endpoint)) return 1;
    return this.caps.get(endpoint) ?? this.minCap;
  }

  /** When a paused endpoint may be sent to again (performance.now() time), or null when it is not paused. */
  pausedUntil(endpoint: string): number | null {
    const pause = this.paused.get(endpoint);
    return pause && pause.until > performance.now() ? pause.until : null;
  }

  heldBy(endpoint: string): number {
    return (this.running.get(endpoint) ?? 0) + (this.queued.get(endpoint)?.length ?? 0);
  }

  /** How many more this endpoint may have claimed: `factor` sends' worth per slot. */
  roomFor(endpoint: string, factor: number): number {
    return this.capOf(endpoint) * factor - this.heldBy(endpoint);
  }

  /** The room of an endpoint this worker knows nothing about (nothing held, the starting cap). */
  defaultRoom(factor: number): number {
    return this.minCap * factor;
  }

  /** Endpoints whose room is not the default one and not zero (a grown cap, or work held), with that room. */
  knownRooms(factor: number): { endpoint: string; limit: number }[] {
    const ids = new Set([...this.caps.keys(), ...this.running.keys(), ...this.queued.keys()]);
    const rooms: { endpoint: string; limit: number }[] = [];
    for (const endpoint of ids) {
      const room = this.roomFor(endpoint, factor);
      if (room > 0 && room !== this.defaultRoom(factor)) rooms.push({ endpoint, limit: room });
    }
    return rooms;
  }

  fullEndpoints(factor: number): string[] {
    const ids = new Set([...this.running.keys(), ...this.queued.keys()]);
    return [...ids].filter((id) => this.roomFor(id, factor) <= 0);
  }

  /** Endpoints with sends in flight or queued. */
  endpointsHeld(): string[] {
    return [...new Set([...this.running.keys(), ...this.queued.keys()])];
  }

  endpointsWithQueued(): string[] {
    return [...this.queued.keys()];
  }

  private maxCapOf(endpoint: string): number {
    return this.brokers.has(endpoint) ? this.maxCap * BROKER_CAP_FACTOR : this.maxCap;
  }

  enqueue(job: Job): void {
    const endpoint = job.delivery.webhook_id;
    if (job.webhook.url.charCodeAt(0) !== 104 && isBrokerUrl(job.webhook.url)) {
      if (this.brokers.size > 100_000) this.brokers.clear();
      this.brokers.add(endpoint);
    }
    const list = this.queued.get(endpoint);
    if (list) list.push(job);
    else this.queued.set(endpoint, [job]);
    this.queuedCount++;
  }

  /** The next job for an endpoint with a free slot (counted as running), or null. */
  next(endpoint: string): Job | null {
    if ((this.running.get(endpoint) ?? 0) >= this.capOf(endpoint)) return null;
    if (this.pausedUntil(endpoint) !== null) return null;
    const list = this.queued.get(endpoint);
    const job = list?.shift();
    if (!job) return null;
    if (list!.length === 0) this.queued.delete(endpoint);
    this.queuedCount--;
    const running = this.running.get(endpoint) ?? 0;
    if (running === 0 && !this.progressAt.has(endpoint)) this.progressAt.set(endpoint, performance.now());
    this.running.set(endpoint, running + 1);
    this.inFlight++;
    return job;
  }

  /**
   * A send ended; `succeeded` null means it never went out (no effect on the cap). One that timed
   * out, or found a broker's connection down (`pause`, decided by the worker), pauses the endpoint: its next send waits TIMEOUT_PAUSE_FIRST_MS (doubling while it
   * keeps timing out, up to TIMEOUT_PAUSE_MAX_MS; jittered, so endpoints that timed out together
   * are not tried again together), and until a send succeeds it gets one at a time. A hanging
   * endpoint otherwise takes a fresh connection (a TLS handshake) for every delivery, each held
   * for its whole timeout, and 50 of them timing out at once made a burst of handshakes that
   * delayed every healthy endpoint's deliveries (bench scenario 4).
   */
  finished(endpoint: string, succeeded: boolean | null, pause = false): void {
    this.lastFinishAt = performance.now();
    const left = (this.running.get(endpoint) ?? 1) - 1;
    if (left <= 0) {
      this.running.delete(endpoint);
      this.progressAt.delete(endpoint);
    } else {
      this.running.set(endpoint, left);
      this.progressAt.set(endpoint, performance.now());
    }
    this.inFlight--;
    if (succeeded === null) return;
    const cap = this.capOf(endpoint);
    this.caps.set(endpoint, succeeded ? Math.min(this.maxCapOf(endpoint), cap * 2) : this.minCap);
    if (succeeded) {
      this.failing.delete(endpoint);
      this.paused.delete(endpoint);
    } else this.failing.add(endpoint);
    if (pause) {
      const pauseMs = Math.min(TIMEOUT_PAUSE_MAX_MS, (this.paused.get(endpoint)?.pauseMs ?? TIMEOUT_PAUSE_FIRST_MS / 2) * 2);
      this.paused.set(endpoint, { until: performance.now() + pauseMs * (0.5 + Math.random() / 2), pauseMs });
    }
    if (this.paused.size > 100_000) this.paused.clear();
    if (this.caps.size > 100_000) this.caps.clear();
    if (this.failing.size > 100_000) this.failing.clear();
  }

  /**
   * Whether an endpoint is not taking deliveries now: its latest attempt failed, or it has sends in
   * flight and none has finished for `STALL_MS` while other endpoints' sends did (it hangs).
   * Fan-out writes such an endpoint's deliveries later and in bulk, so its backlog does not cost
   * the healthy endpoints' fan-out.
   */
  stalled(endpoint: string): boolean {
    if (this.failing.has(endpoint)) return true;
    const since = this.progressAt.get(endpoint);
    // Hanging only if other sends went on finishing meanwhile: when nothing finishes anywhere (a
    // worker short of CPU, just started and cold), the endpoint is not the one to blame, and holding
    // back its deliveries would only add a pause to a backlog that is the worker's.
    return since !== undefined && this.lastFinishAt - since >= STALL_MS;
  }

  drainQueued(): Job[] {
    const all = [...this.queued.values()].flat();
    this.queued.clear();
    this.queuedCount = 0;
    return all;
  }
}

import type { StoredEvent } from '../events/outbox.js';
import type { DeliveryTable } from '../storage/schema.js';
import type { WebhookView } from '../webhooks/webhook-model.js';

/** A claimed delivery, ready to send. */
export interface Job {
  delivery: DeliveryTable;
  webhook: WebhookView;
  event: StoredEvent;
  leaseUntil: number;
}

/** An endpoint with sends in flight and none finished for this long is stalled (see `stalled`). */
export const STALL_MS = 1000;

/**
 * The worker's per-endpoint bookkeeping: claimed deliveries waiting to be sent, sends in flight,
 * and each endpoint's concurrency cap (slow start: it doubles with each success up to the
 * maximum and falls back to the minimum on a failure).
 */
export class EndpointQueues {
  private readonly queued = new Map<string, Job[]>();
  private readonly running = new Map<string, number>();
  private readonly caps = new Map<string, number>();
  /** When each busy endpoint last made progress: its first send started, or a send finished. */
  private readonly progressAt = new Map<string, number>();
  /** Endpoints whose latest finished attempt failed. */
  private readonly failing = new Set<string>();
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
    return this.caps.get(endpoint) ?? this.minCap;
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

  enqueue(job: Job): void {
    const endpoint = job.delivery.webhook_id;
    const list = this.queued.get(endpoint);
    if (list) list.push(job);
    else this.queued.set(endpoint, [job]);
    this.queuedCount++;
  }

  /** The next job for an endpoint with a free slot (counted as running), or null. */
  next(endpoint: string): Job | null {
    if ((this.running.get(endpoint) ?? 0) >= this.capOf(endpoint)) return null;
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

  /** A send ended; `succeeded` null means it never went out (no effect on the cap). */
  finished(endpoint: string, succeeded: boolean | null): void {
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
    this.caps.set(endpoint, succeeded ? Math.min(this.maxCap, cap * 2) : this.minCap);
    if (succeeded) this.failing.delete(endpoint);
    else this.failing.add(endpoint);
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

import type { Clock } from '../runtime/clock.js';
import { envelopeFromRow, type EventEnvelope, type StoredEvent } from '../events/outbox.js';
import type { IdSource } from '../runtime/ids.js';
import type { DeliveryTable, EventFanoutDeferredTable, EventTable } from '../storage/schema.js';
import type { Storage, Tx } from '../storage/storage.js';
import type { WebhookView } from '../webhooks/webhook-model.js';
import { Loop } from '../jobs/loop.js';
import { ActiveWebhooks } from './active-webhooks.js';
import type { Job } from './endpoint-queues.js';
import { SubscriptionMatcher } from './matching.js';
import type { FreshHandoff } from './worker.js';
import { notifyDeliveryDue, onEventsCreated } from '../storage/signals.js';
import { countDueByEndpoint, insertDeliveries, releaseClaims } from './delivery-store.js';

const BATCH = 500;
const MAX_DELIVERIES_PER_BATCH = 1000;
/** After an event is deferred, the deferred queue is looked at this much later, so one pass carries many events. */
export const DEFERRED_WINDOW_MS = 250;
/** Deliveries per deferred write: a few milliseconds on SQLite, so the event loop is never held long. */
const MAX_DEFERRED_PER_BATCH = 500;

/**
 * Turns each outbox event into one pending delivery per matching active webhook.
 * Creating the deliveries and removing the event from `event_fanout` happen in one transaction,
 * and (event, webhook) is unique, so an interrupted fan-out resumes without duplicates or gaps.
 *
 * Endpoints the worker sees failing or hanging (`stalled`) get theirs later: the event's fan-out
 * records them in one `event_fanout_deferred` row, and a second loop (runDeferredOnce) writes
 * those deliveries at the pace each endpoint takes them. Writing one event's deliveries to 50
 * endpoints dirties a page of each per-endpoint index (on SQLite ~350 WAL frames, 3.5 ms for 51
 * rows), and doing that event by event, for endpoints that could not take them anyway, was where a
 * healthy endpoint's deliveries waited beside 50 hanging ones. The deferred ones lose nothing: the
 * event leaves `event_fanout` in the same transaction that records them, and their first attempt
 * is due from the time of the event's fan-out, so they are claimed in event order.
 */
export class Fanout {
  private readonly matcher = new SubscriptionMatcher();
  private readonly loop: Loop;
  private readonly deferredLoop: Loop;
  private readonly unsubscribe: (() => void)[] = [];
  /** Where the next deferred pass starts reading `event_fanout_deferred` (see runDeferredOnce). */
  private deferredScanFrom = '';
  private webhooks: ActiveWebhooks | null = null;
  /** fanOutInTransaction's batch per open transaction (a caller may fan out several times in one). */
  private readonly inTransaction = new WeakMap<Tx, FanoutBatch>();

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; ids: IdSource; stalled?: (webhookId: string) => boolean; handoff?: FreshHandoff },
    private readonly onDeliveriesCreated: () => void,
    onError: (err: unknown) => void = () => undefined,
    pollMs = 1000,
    onRecover?: (failures: number) => void,
  ) {
    this.loop = new Loop('fanout', () => this.runOnce(), pollMs, onError, onRecover);
    this.deferredLoop = new Loop('fanout-deferred', () => this.runDeferredOnce(), Math.max(pollMs, DEFERRED_WINDOW_MS), onError, onRecover);
  }

  start(): void {
    this.unsubscribe.push(
      onEventsCreated(this.deps.storage, (fannedOut) => {
        if (!fannedOut) this.loop.poke();
      }),
    );
    this.loop.start();
    this.deferredLoop.start();
  }

  /** Fans out now, the deferred deliveries included (tests that move an injected clock call this). */
  poke(): void {
    this.loop.poke();
    this.deferredLoop.poke();
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await Promise.all([this.loop.stop(), this.deferredLoop.stop()]);
    this.webhooks?.close();
    this.webhooks = null;
  }

  /** Created on first use (and again after a stop): it listens for changes while it exists. */
  private activeWebhooks(): ActiveWebhooks {
    return (this.webhooks ??= new ActiveWebhooks(this.deps.storage));
  }

  /** Fans out one batch of the queue (`event_fanout`); returns whether there may be more. */
  async runOnce(): Promise<boolean> {
    const { storage } = this.deps;
    // Let sends and answers that are waiting go first: on SQLite every statement runs synchronously,
    // and a backlog's batches back to back would hold the event loop for as long as they all take.
    await new Promise((resolve) => setImmediate(resolve));
    const result = await storage.transaction(async (tx) => {
      // Safe to redo: lost, the event is still in event_fanout and is fanned out again.
      await tx.commitWithoutFlush();
      // Several workers fan out side by side: each takes events the others have not locked.
      const pending = (await tx.lockRows(tx.db.selectFrom('event_fanout').select('event_id').orderBy('event_id').limit(BATCH), { skipLocked: true }).execute()).map((r) => r.event_id);
      if (pending.length === 0) return { more: false, batch: null };

      const events = await tx.db.selectFrom('events_full').selectAll().where('id', 'in', pending).orderBy('id').execute();
      const batch = this.newBatch();
      const done = await this.fanOutEvents(tx, events, batch);
      // Events that vanished (purged) leave the queue too; events not reached stay for the next batch.
      const found = new Set(events.map((e) => e.id));
      const finished = [...events.slice(0, done).map((e) => e.id), ...pending.filter((id) => !found.has(id))];
      for (let i = 0; i < finished.length; i += 500) {
        await tx.db.deleteFrom('event_fanout').where('event_id', 'in', finished.slice(i, i + 500)).execute();
      }
      return { more: pending.length === BATCH || finished.length < pending.length, batch };
    });
    if (result.batch) this.committed(result.batch);
    return result.more;
  }

  /**
   * Fans out events in the transaction that is writing them (the click ingest, when this thread
   * also runs the worker): they never enter `event_fanout`, and no second transaction reads them
   * back. Per call at most `MAX_DELIVERIES_PER_BATCH` deliveries are written, so the caller's
   * transaction stays short; returns the ids of the events not reached, which the caller queues in
   * `event_fanout` as usual. What a rollback undoes is forgotten with it: the worker is handed
   * its deliveries only once the transaction has committed.
   */
  async fanOutInTransaction(tx: Tx, events: readonly EventTable[]): Promise<string[]> {
    let batch = this.inTransaction.get(tx);
    if (!batch) {
      const created = this.newBatch();
      batch = created;
      this.inTransaction.set(tx, created);
      tx.afterCommit(() => this.committed(created));
    }
    const done = await this.fanOutEvents(tx, events, batch);
    return events.slice(done).map((e) => e.id);
  }

  private newBatch(): FanoutBatch {
    const handoff = this.deps.handoff;
    return { handover: handoff ? new Handover(handoff, this.deps.clock.now()) : null, created: 0, deferred: 0 };
  }

  /** After the commit: the worker sends what was handed over and claims the rest. */
  private committed(batch: FanoutBatch): void {
    if (batch.handover && batch.handover.jobs.length > 0) this.deps.handoff!.adopt(batch.handover.jobs);
    if (batch.created > 0) this.onDeliveriesCreated();
    if (batch.deferred > 0) this.deferredLoop.wakeIn(DEFERRED_WINDOW_MS);
  }

  /**
   * One delivery per matching active webhook for each event, in order, until the batch's delivery
   * budget is spent; returns how many events (a prefix of `events`) were fanned out. Endpoints seen
   * stalled get one `event_fanout_deferred` row per event instead.
   */
  private async fanOutEvents(tx: Tx, events: readonly EventTable[], batch: FanoutBatch): Promise<number> {
    if (events.length === 0) return 0;
    const { clock, ids } = this.deps;
    const hooksByWorkspace = await this.activeWebhooks().of(tx, [...new Set(events.map((e) => e.workspace_id))]);

    const now = clock.now();
    const stalled = this.deps.stalled ?? (() => false);
    const handover = batch.handover;
    const deliveries: DeliveryTable[] = [];
    const deferred: EventFanoutDeferredTable[] = [];
    const handedBefore = handover?.jobs.length ?? 0;
    let done = 0;
    for (const row of events) {
      // Keep each transaction short (SQLite has one writer): many subscribers per event stop the batch early.
      if (deliveries.length + deferred.length >= MAX_DELIVERIES_PER_BATCH) break;
      done++;
      const hooks = hooksByWorkspace.get(row.workspace_id);
      if (!hooks) continue;
      let envelope: EventEnvelope | undefined;
      const envelopeOf = () => (envelope ??= envelopeFromRow(row));
      const later: string[] = [];
      for (const hook of hooks) {
        if (!this.matcher.matches(hook, row.type, row.link_id, envelopeOf)) continue;
        if (stalled(hook.id)) {
          later.push(hook.id);
          continue;
        }
        const delivery = pendingDelivery(ids.next('dlv'), row, hook.id, now, now);
        handover?.offer(delivery, hook, row);
        deliveries.push(delivery);
      }
      if (later.length > 0) deferred.push({ event_id: row.id, webhook_ids: JSON.stringify(later), created_at: now });
    }
    // Deliveries handed over are leased: no claim (here or in another process) could take them.
    let claimable = deliveries.length - ((handover?.jobs.length ?? 0) - handedBefore);
    const inserted = await insertDeliveries(tx, deliveries);
    if (handover && inserted < deliveries.length) {
      // Some (event, webhook) pairs existed already: which of ours were written is unknown, so none
      // is handed over (nor any handed over earlier in this transaction); the leases go and the
      // claims pick them up as usual.
      claimable = deliveries.length + handedBefore;
      await handover.cancel(tx);
    }
    await tx.insertRows('event_fanout_deferred', deferred, { onConflictDoNothing: ['event_id'] });
    if (claimable > 0) await notifyDeliveryDue(tx);
    batch.created += claimable;
    batch.deferred += deferred.length;
    return done;
  }

  /**
   * Writes a batch of deferred deliveries; returns whether there may be more right now. An endpoint
   * that is still stalled gets new deliveries only while fewer than `STALLED_DUE_CAP` of its
   * deliveries are due, so a hanging endpoint's backlog stays here, one row per event, and its
   * deliveries are written at the pace it takes them (or dropped once it is switched off).
   * Successive calls walk the whole queue (`deferredScanFrom`), so one stalled endpoint's backlog
   * cannot hold back another endpoint's.
   */
  async runDeferredOnce(): Promise<boolean> {
    const { storage, clock, ids } = this.deps;
    const stalled = this.deps.stalled ?? (() => false);
    await new Promise((resolve) => setImmediate(resolve));
    const result = await storage.transaction(async (tx) => {
      await tx.commitWithoutFlush();
      const rows = await tx
        .lockRows(tx.db.selectFrom('event_fanout_deferred').selectAll().where('event_id', '>', this.deferredScanFrom).orderBy('event_id').limit(BATCH), { skipLocked: true })
        .execute();
      const lists = rows.map((row) => ({ eventId: row.event_id, webhookIds: parseIdList(row.webhook_ids), fannedOutAt: Number(row.created_at) }));
      const hookIds = [...new Set(lists.flatMap((l) => l.webhookIds))];
      // Paused or deleted since: "events while paused are skipped, not queued" (SPEC §5).
      const active = new Set(
        hookIds.length ? (await tx.db.selectFrom('webhooks').select('id').where('id', 'in', hookIds).where('active', '=', 1).execute()).map((h) => h.id) : [],
      );
      const now = clock.now();
      const room = await roomOfStalled(tx, hookIds.filter((id) => active.has(id) && stalled(id)), now);
      const events = new Map(
        lists.length ? (await tx.db.selectFrom('events').select(['id', 'workspace_id', 'type']).where('id', 'in', lists.map((l) => l.eventId)).execute()).map((e) => [e.id, e]) : [],
      );

      const deliveries: DeliveryTable[] = [];
      const finished: string[] = [];
      const shortened: { eventId: string; webhookIds: string[] }[] = [];
      let reached = 0;
      for (const list of lists) {
        if (deliveries.length >= MAX_DEFERRED_PER_BATCH) break;
        reached++;
        const event = events.get(list.eventId);
        const keep: string[] = [];
        for (const hookId of event ? list.webhookIds : []) {
          if (!active.has(hookId)) continue;
          const left = room.get(hookId);
          if (left !== undefined && left <= 0) {
            keep.push(hookId);
            continue;
          }
          if (left !== undefined) room.set(hookId, left - 1);
          deliveries.push(pendingDelivery(ids.next('dlv'), event!, hookId, list.fannedOutAt, now));
        }
        if (keep.length === 0) finished.push(list.eventId);
        else if (keep.length < list.webhookIds.length) shortened.push({ eventId: list.eventId, webhookIds: keep });
      }
      await insertDeliveries(tx, deliveries);
      if (finished.length > 0) await tx.db.deleteFrom('event_fanout_deferred').where('event_id', 'in', finished).execute();
      for (const s of shortened) {
        await tx.db.updateTable('event_fanout_deferred').set({ webhook_ids: JSON.stringify(s.webhookIds) }).where('event_id', '=', s.eventId).execute();
      }
      if (deliveries.length > 0) await notifyDeliveryDue(tx);
      const stoppedEarly = reached < lists.length;
      // Next time: on from the last row looked at, or from the start once the end was reached.
      this.deferredScanFrom = stoppedEarly || rows.length === BATCH ? lists[reached - 1]!.eventId : '';
      return { more: stoppedEarly, created: deliveries.length };
    });
    if (result.created > 0) this.onDeliveriesCreated();
    return result.more;
  }
}

/** What one transaction's fan-out leaves for after its commit. */
interface FanoutBatch {
  handover: Handover | null;
  /** Deliveries written for the claims (not handed over). */
  created: number;
  deferred: number;
}

/** A stalled endpoint may have this many deliveries due (sending or waiting to) before fan-out holds back its new ones. */
export const STALLED_DUE_CAP = 100;

/** How many more deliveries each of these endpoints may be given now (`STALLED_DUE_CAP` minus those due). */
async function roomOfStalled(tx: Tx, webhookIds: readonly string[], now: number): Promise<Map<string, number>> {
  const room = new Map(webhookIds.map((id) => [id, STALLED_DUE_CAP]));
  for (const [id, due] of await countDueByEndpoint(tx, webhookIds, now)) room.set(id, STALLED_DUE_CAP - due);
  return room;
}

/**
 * One fan-out batch's deliveries for the local worker (FreshHandoff): each endpoint's share up to
 * the room its queue has, leased to the worker on the row that is about to be inserted.
 */
class Handover {
  readonly jobs: Job[] = [];
  private total: number;
  private readonly room = new Map<string, number>();
  private readonly leaseUntil: number;

  constructor(
    private readonly handoff: FreshHandoff,
    now: number,
  ) {
    this.total = handoff.totalRoom();
    this.leaseUntil = now + handoff.leaseMs;
  }

  offer(delivery: DeliveryTable, webhook: WebhookView, event: StoredEvent): void {
    if (this.total <= 0) return;
    const room = this.room.get(webhook.id) ?? this.handoff.roomFor(webhook.id);
    if (room <= 0) {
      this.room.set(webhook.id, 0);
      return;
    }
    this.room.set(webhook.id, room - 1);
    this.total--;
    delivery.lease_owner = this.handoff.owner;
    delivery.lease_until = this.leaseUntil;
    // Only the fields a send reads: the events row also carries its link id.
    this.jobs.push({ delivery, webhook, event: { id: event.id, type: event.type, timestamp: event.timestamp, workspace_id: event.workspace_id, data: event.data, actor: event.actor }, leaseUntil: this.leaseUntil });
  }

  async cancel(tx: Tx): Promise<void> {
    const ids = this.jobs.splice(0).map((j) => j.delivery.id);
    for (let i = 0; i < ids.length; i += 500) await releaseClaims(tx, ids.slice(i, i + 500), this.handoff.owner);
  }
}

function pendingDelivery(id: string, event: { id: string; workspace_id: string; type: string }, webhookId: string, dueAt: number, now: number): DeliveryTable {
  return {
    id,
    workspace_id: event.workspace_id,
    webhook_id: webhookId,
    event_id: event.id,
    event_type: event.type,
    status: 'pending',
    attempts_count: 0,
    next_attempt_at: dueAt,
    lease_until: null,
    lease_owner: null,
    is_test: 0,
    body: null,
    created_at: now,
    updated_at: now,
  };
}

function parseIdList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

import type { Clock } from '../clock.js';
import { envelopeFromRow, type EventEnvelope } from '../events/outbox.js';
import type { IdSource } from '../ids.js';
import type { DeliveryTable } from '../storage/schema.js';
import type { Storage } from '../storage/storage.js';
import { parseWebhookRow, type WebhookView } from '../webhooks/webhook-model.js';
import { Loop } from '../jobs/loop.js';
import { SubscriptionMatcher } from './matching.js';

const BATCH = 500;
const MAX_DELIVERIES_PER_BATCH = 1000;

/**
 * Turns each outbox event into one pending delivery per matching active webhook.
 * Creating the deliveries and removing the event from `event_fanout` happen in one transaction,
 * and (event, webhook) is unique, so an interrupted fan-out resumes without duplicates or gaps.
 */
export class Fanout {
  private readonly matcher = new SubscriptionMatcher();
  private readonly loop: Loop;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; ids: IdSource },
    private readonly onDeliveriesCreated: () => void,
    onError: (err: unknown) => void = () => undefined,
    pollMs = 1000,
    onRecover?: (failures: number) => void,
  ) {
    this.loop = new Loop('fanout', () => this.runOnce(), pollMs, onError, onRecover);
  }

  start(): void {
    this.unsubscribe.push(this.deps.storage.subscribe('event_created', () => this.loop.poke()));
    this.loop.start();
  }

  poke(): void {
    this.loop.poke();
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.loop.stop();
  }

  /** Fans out one batch; returns whether there may be more. */
  async runOnce(): Promise<boolean> {
    const { storage, clock, ids } = this.deps;
    // Let sends and answers that are waiting go first: on SQLite every statement runs synchronously,
    // and a backlog's batches back to back would hold the event loop for as long as they all take.
    await new Promise((resolve) => setImmediate(resolve));
    const result = await storage.transaction(async (tx) => {
      // Several workers fan out side by side: each takes events the others have not locked.
      const pending = (await tx.lockRows(tx.db.selectFrom('event_fanout').select('event_id').orderBy('event_id').limit(BATCH), { skipLocked: true }).execute()).map((r) => r.event_id);
      if (pending.length === 0) return { more: false, created: 0 };

      const events = await tx.db.selectFrom('events').selectAll().where('id', 'in', pending).orderBy('id').execute();
      const workspaceIds = [...new Set(events.map((e) => e.workspace_id))];
      const hookRows = workspaceIds.length
        ? await tx.db.selectFrom('webhooks').selectAll().where('workspace_id', 'in', workspaceIds).where('active', '=', 1).execute()
        : [];
      const linkRows = hookRows.length
        ? await tx.db.selectFrom('webhook_links').select(['webhook_id', 'link_id']).where('webhook_id', 'in', hookRows.map((h) => h.id)).execute()
        : [];
      const linksByHook = new Map<string, string[]>();
      for (const l of linkRows) {
        const list = linksByHook.get(l.webhook_id) ?? [];
        list.push(l.link_id);
        linksByHook.set(l.webhook_id, list);
      }
      const hooksByWorkspace = new Map<string, WebhookView[]>();
      for (const row of hookRows) {
        const list = hooksByWorkspace.get(row.workspace_id) ?? [];
        list.push(parseWebhookRow(row, linksByHook.get(row.id) ?? []));
        hooksByWorkspace.set(row.workspace_id, list);
      }

      const now = clock.now();
      const deliveries: DeliveryTable[] = [];
      const done: string[] = [];
      for (const row of events) {
        // Keep each transaction short (SQLite has one writer): many subscribers per event stop the batch early.
        if (deliveries.length >= MAX_DELIVERIES_PER_BATCH) break;
        done.push(row.id);
        const hooks = hooksByWorkspace.get(row.workspace_id);
        if (!hooks) continue;
        let envelope: EventEnvelope | undefined;
        const envelopeOf = () => (envelope ??= envelopeFromRow(row));
        for (const hook of hooks) {
          if (!this.matcher.matches(hook, row.type, row.link_id, envelopeOf)) continue;
          deliveries.push({
            id: ids.next('dlv'),
            workspace_id: row.workspace_id,
            webhook_id: hook.id,
            event_id: row.id,
            event_type: row.type,
            status: 'pending',
            attempts_count: 0,
            next_attempt_at: now,
            lease_until: null,
            lease_owner: null,
            is_test: 0,
            body: null,
            created_at: now,
            updated_at: now,
          });
        }
      }
      await tx.insertRows('deliveries', deliveries, { onConflictDoNothing: ['event_id', 'webhook_id'] });
      // Events that vanished (purged) leave the queue too; events not reached stay for the next batch.
      const found = new Set(events.map((e) => e.id));
      const finished = [...done, ...pending.filter((id) => !found.has(id))];
      for (let i = 0; i < finished.length; i += 500) {
        await tx.db.deleteFrom('event_fanout').where('event_id', 'in', finished.slice(i, i + 500)).execute();
      }
      if (deliveries.length > 0) await tx.notify('delivery_due', '');
      return { more: pending.length === BATCH || finished.length < pending.length, created: deliveries.length };
    });
    if (result.created > 0) this.onDeliveriesCreated();
    return result.more;
  }
}

import type { Storage } from '../storage/storage.js';
import { parseWebhookRow, type WebhookView } from '../webhooks/webhook-model.js';
import { onWebhooksChanged } from '../storage/signals.js';

/** A cached workspace's webhooks are read again after this long, should a change signal ever be lost. */
export const ACTIVE_WEBHOOKS_TTL_MS = 10_000;
const MAX_WORKSPACES = 10_000;

/**
 * Each workspace's active webhooks, parsed, for fan-out. Fan-out used to read and parse them in
 * every batch: at 200 clicks/s with 51 webhooks that was 1 856 reads of 51 rows in 14 s, 367 µs
 * each before parsing, the largest statement cost of the worker thread after commits. An entry is
 * dropped when a change commits anywhere (`webhook_changed`: in-process, from the other thread, or
 * NOTIFY from another process, and every channel again after a lost LISTEN connection comes back),
 * and read again after `ACTIVE_WEBHOOKS_TTL_MS` in any case.
 */
export class ActiveWebhooks {
  private readonly entries = new Map<string, { hooks: WebhookView[]; until: number }>();
  /** Bumped by every change signal: a read that started before one must not be cached. */
  private generation = 0;
  private readonly unsubscribe: () => void;

  constructor(
    storage: Pick<Storage, 'subscribe'>,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = onWebhooksChanged(storage, (workspaceId) => {
      this.generation++;
      if (workspaceId === '') this.entries.clear();
      else this.entries.delete(workspaceId);
    });
  }

  /** The active webhooks of each workspace (none: an empty list), reading those not cached through `tx` (a transaction or the storage itself). */
  async of(tx: Pick<Storage, 'db'>, workspaceIds: readonly string[]): Promise<Map<string, WebhookView[]>> {
    const now = this.now();
    const found = new Map<string, WebhookView[]>();
    const missing: string[] = [];
    for (const id of workspaceIds) {
      const entry = this.entries.get(id);
      if (entry && entry.until > now) found.set(id, entry.hooks);
      else missing.push(id);
    }
    if (missing.length === 0) return found;

    const generation = this.generation;
    const hookRows = await tx.db.selectFrom('webhooks').selectAll().where('workspace_id', 'in', missing).where('active', '=', 1).execute();
    const linkRows = hookRows.length
      ? await tx.db.selectFrom('webhook_links').select(['webhook_id', 'link_id']).where('webhook_id', 'in', hookRows.map((h) => h.id)).execute()
      : [];
    const linksByHook = new Map<string, string[]>();
    for (const l of linkRows) {
      const list = linksByHook.get(l.webhook_id) ?? [];
      list.push(l.link_id);
      linksByHook.set(l.webhook_id, list);
    }
    for (const id of missing) found.set(id, []);
    for (const row of hookRows) found.get(row.workspace_id)!.push(parseWebhookRow(row, linksByHook.get(row.id) ?? []));
    // A change signalled while we read may not be in what we read: used this once, not kept.
    if (generation === this.generation) {
      if (this.entries.size + missing.length > MAX_WORKSPACES) this.entries.clear();
      for (const id of missing) this.entries.set(id, { hooks: found.get(id)!, until: now + ACTIVE_WEBHOOKS_TTL_MS });
    }
    return found;
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
  }
}

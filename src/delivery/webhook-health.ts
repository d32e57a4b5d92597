import { Type, type Static } from '@sinclair/typebox';
import { toIso, type Clock } from '../runtime/clock.js';
import { Id, Nullable, Timestamp } from '../schemas/common.js';
import type { Storage } from '../storage/storage.js';
import { countDeliveriesSince, lastAttemptOf } from './delivery-store.js';

const DAY_MS = 86_400_000;

export const WebhookHealthSchema = Type.Object({
  webhook_id: Id('wh'),
  last_attempt: Nullable(
    Type.Object({
      delivery_id: Id('dlv'),
      status_code: Nullable(Type.Integer()),
      error: Nullable(Type.String()),
      started_at: Timestamp,
    }),
  ),
  deliveries_24h: Type.Integer({ minimum: 0 }),
  succeeded_24h: Type.Integer({ minimum: 0 }),
  failed_24h: Type.Integer({ minimum: 0 }),
  /** succeeded / (succeeded + failed) over the last day; null when nothing finished. Test sends are left out. */
  success_rate_24h: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
});
export type WebhookHealth = Static<typeof WebhookHealthSchema>;

/** Per-webhook delivery health for the webhooks list: the latest attempt and the last day's success rate. */
export class WebhookHealthReport {
  constructor(private readonly deps: { storage: Storage; clock: Clock }) {}

  async forWorkspace(workspaceId: string): Promise<WebhookHealth[]> {
    const { storage } = this.deps;
    const since = this.deps.clock.now() - DAY_MS;
    const webhooks = await storage.db.selectFrom('webhooks').select('id').where('workspace_id', '=', workspaceId).orderBy('id').execute();
    const counts = await countDeliveriesSince(storage, workspaceId, since);
    return Promise.all(
      webhooks.map(async ({ id }) => {
        const last = await lastAttemptOf(storage, workspaceId, id);
        const mine = counts.filter((c) => c.webhook_id === id);
        const count = (status?: string) => mine.filter((c) => status === undefined || c.status === status).reduce((sum, c) => sum + Number(c.n), 0);
        const succeeded = count('succeeded');
        const failed = count('failed');
        return {
          webhook_id: id,
          last_attempt: last
            ? { delivery_id: last.delivery_id, status_code: last.status_code, error: last.error, started_at: toIso(Number(last.started_at)) }
            : null,
          deliveries_24h: count(),
          succeeded_24h: succeeded,
          failed_24h: failed,
          success_rate_24h: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
        };
      }),
    );
  }
}

import { parseSettings } from '../accounts/workspace-model.js';
import type { Tx } from '../storage/storage.js';
import type { MailQueue } from './mail-queue.js';
import { readableWebhookUrl } from '../webhooks/webhook-model.js';

/** Consecutive failures at which owners and admins are mailed (Dub's 5, 10, 15); also when switched off. */
export const ALERT_AT_FAILURES: readonly number[] = [5, 10, 15];

/** An endpoint's streak as a batch of attempt results changed it. */
export interface StreakChange {
  webhook: { id: string; workspace_id: string; name: string; url: string };
  /** Failures in a row before the batch (0 if the batch held a success: the streak restarted). */
  before: number;
  after: number;
  /** Set when this batch switched the endpoint off. */
  disabledReason: string | null;
  lastError: string | null;
}

/**
 * Failing-endpoint alerts: written to the mail outbox in the transaction that records the attempts,
 * so each threshold is mailed exactly once per streak (the streak row is locked there) and a success,
 * which resets the streak, re-arms them. A workspace turns them off with `settings.endpoint_alerts`.
 */
export class EndpointAlerts {
  constructor(private readonly mail: MailQueue) {}

  async record(tx: Tx, changes: readonly StreakChange[]): Promise<void> {
    for (const change of changes) {
      const crossed = ALERT_AT_FAILURES.filter((n) => change.before < n && n <= change.after);
      if (crossed.length === 0 && !change.disabledReason) continue;
      const workspace = await tx.db.selectFrom('workspaces').select(['name', 'settings']).where('id', '=', change.webhook.workspace_id).executeTakeFirst();
      if (!workspace || !parseSettings(workspace.settings).endpoint_alerts) continue;
      const recipients = await tx.db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('u.email')
        .where('m.workspace_id', '=', change.webhook.workspace_id)
        .where('m.role', 'in', ['owner', 'admin'])
        .execute();
      // Several thresholds crossed in one batch make one mail, with the count as it stands.
      await this.mail.enqueue(
        tx,
        recipients.map((r) => ({
          kind: 'endpoint_failing' as const,
          to: r.email,
          workspaceId: change.webhook.workspace_id,
          payload: {
            webhook_id: change.webhook.id,
            webhook_name: change.webhook.name,
            webhook_url: readableWebhookUrl(change.webhook.url),
            workspace_name: workspace.name,
            failures: change.after,
            last_error: change.lastError,
            disabled_reason: change.disabledReason,
          },
        })),
      );
    }
  }
}

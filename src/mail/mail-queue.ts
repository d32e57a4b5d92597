import type { Clock } from '../runtime/clock.js';
import type { IdSource } from '../runtime/ids.js';
import type { Tx } from '../storage/storage.js';

/** What each kind of mail is about. Never a secret: links with tokens are minted when the mail is sent. */
export interface MailPayloads {
  invitation: { invite_id: string; workspace_name: string; inviter_email: string | null; role: string };
  password_reset: { user_id: string };
  endpoint_failing: {
    webhook_id: string;
    webhook_name: string;
    webhook_url: string;
    workspace_name: string;
    failures: number;
    last_error: string | null;
    /** Set when the endpoint was switched off. */
    disabled_reason: string | null;
  };
}
export type MailKind = keyof MailPayloads;

export type NewMail = { [K in MailKind]: { kind: K; to: string; workspaceId: string | null; payload: MailPayloads[K] } }[MailKind];

/**
 * The mail outbox: a mail is a row written in the transaction of what caused it, so it exists if and
 * only if that change committed; the worker role sends it (src/mail/mail-sender.ts), at least once.
 */
export class MailQueue {
  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
    /** Told after a commit that added mail (wakes this process's sender at once). */
    private readonly onQueued: () => void = () => undefined,
  ) {}

  async enqueue(tx: Tx, mails: readonly NewMail[]): Promise<string[]> {
    if (mails.length === 0) return [];
    const now = this.clock.now();
    const rows = mails.map((m) => ({
      id: this.ids.next('mail'),
      workspace_id: m.workspaceId,
      kind: m.kind,
      recipient: m.to,
      payload: JSON.stringify(m.payload),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      leased_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
    }));
    await tx.db.insertInto('mail_outbox').values(rows).execute();
    tx.afterCommit(this.onQueued);
    return rows.map((r) => r.id);
  }
}

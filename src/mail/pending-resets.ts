import { RESET_TTL_MS, mintToken } from '../accounts/one-time-tokens.js';
import type { Clock } from '../runtime/clock.js';
import { conflict, notFound } from '../errors.js';
import type { Storage } from '../storage/storage.js';

/**
 * Without SMTP, a password reset's link must still reach its owner. Only the instance's operators
 * (LINKWIRE_ADMIN_EMAILS) see the reset requests the sender could not mail, and mint a link to hand
 * over by other means. Workspace admins never do: an account may own other workspaces, so a reset link
 * is that account's key, not one workspace's (docs/mail.md).
 */
export class PendingResets {
  constructor(private readonly deps: { storage: Storage; clock: Clock; baseUrl: string }) {}

  /** Requests of the last hour that were logged instead of sent, newest first. */
  async list(): Promise<{ id: string; email: string; requested_at: string }[]> {
    const rows = await this.deps.storage.db
      .selectFrom('mail_outbox')
      .select(['id', 'recipient', 'created_at'])
      .where('kind', '=', 'password_reset')
      .where('status', '=', 'logged')
      .where('created_at', '>', this.deps.clock.now() - RESET_TTL_MS)
      .orderBy('created_at', 'desc')
      .limit(100)
      .execute();
    return rows.map((r) => ({ id: r.id, email: r.recipient, requested_at: new Date(Number(r.created_at)).toISOString() }));
  }

  /** A reset link for one request; the request leaves the list (status `handed_over`). */
  async link(id: string): Promise<{ url: string; expires_at: string; email: string }> {
    const { storage, clock, baseUrl } = this.deps;
    const mail = await storage.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).where('kind', '=', 'password_reset').executeTakeFirst();
    if (!mail) throw notFound('Reset request');
    if (mail.status !== 'logged' || Number(mail.created_at) <= clock.now() - RESET_TTL_MS) throw conflict('This reset request was already handed over or is older than an hour');
    const { user_id } = JSON.parse(mail.payload) as { user_id: string };
    return storage.transaction(async (tx) => {
      const { token, expiresAt } = await mintToken(tx.db, { kind: 'reset', subject: user_id, now: clock.now(), ttlMs: RESET_TTL_MS, mailId: mail.id });
      await tx.db.updateTable('mail_outbox').set({ status: 'handed_over' }).where('id', '=', mail.id).execute();
      return { url: `${baseUrl}/reset/${token}`, expires_at: new Date(expiresAt).toISOString(), email: mail.recipient };
    });
  }
}

import { toIso } from '../runtime/clock.js';
import { AppError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { normaliseEmail } from './email-address.js';
import { hashPassword } from './passwords.js';

/** Operator tasks (`linkwire admin …`): not reachable over HTTP. */
export class AccountAdmin {
  constructor(private readonly deps: { storage: Storage }) {}

  /** Sets a user's password and ends their sessions. */
  async resetPassword(email: string, password: string): Promise<{ user_id: string; email: string; sessions_ended: number }> {
    const { storage } = this.deps;
    const address = normaliseEmail(email);
    const user = await storage.db.selectFrom('users').select('id').where('email', '=', address).executeTakeFirst();
    if (!user) throw new AppError('NOT_FOUND', `No user with the email ${address}`);
    const hash = await hashPassword(password);
    const ended = await storage.transaction(async (tx) => {
      await tx.db.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
      const result = await tx.db.deleteFrom('sessions').where('user_id', '=', user.id).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    return { user_id: user.id, email: address, sessions_ended: ended };
  }

  /**
   * Turns a user's two-factor sign-in off (their phone and recovery codes are lost) and ends their
   * sessions; they sign in with the password alone, and set it up again on the Security page.
   */
  async disableTwoFactor(email: string): Promise<{ user_id: string; email: string; was_enabled: boolean; sessions_ended: number }> {
    const { storage } = this.deps;
    const address = normaliseEmail(email);
    const user = await storage.db.selectFrom('users').select('id').where('email', '=', address).executeTakeFirst();
    if (!user) throw new AppError('NOT_FOUND', `No user with the email ${address}`);
    return storage.transaction(async (tx) => {
      const removed = await tx.db.deleteFrom('two_factor').where('user_id', '=', user.id).where('enabled_at', 'is not', null).executeTakeFirst();
      await tx.db.deleteFrom('two_factor').where('user_id', '=', user.id).execute();
      await tx.db.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
      const ended = await tx.db.deleteFrom('sessions').where('user_id', '=', user.id).executeTakeFirst();
      return { user_id: user.id, email: address, was_enabled: Number(removed.numDeletedRows) > 0, sessions_ended: Number(ended.numDeletedRows) };
    });
  }

  /** Every workspace with its plan, owner and size, oldest first. */
  async listWorkspaces(): Promise<{ id: string; name: string; plan: string; owner_email: string | null; members: number; links: number; created_at: string }[]> {
    const db = this.deps.storage.db;
    const rows = await db
      .selectFrom('workspaces as w')
      .select((eb) => [
        'w.id',
        'w.name',
        'w.plan',
        'w.created_at',
        eb
          .selectFrom('memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select('u.email')
          .whereRef('m.workspace_id', '=', 'w.id')
          .where('m.role', '=', 'owner')
          .orderBy('m.added_at')
          .limit(1)
          .as('owner_email'),
        eb.selectFrom('memberships as m').select((e) => e.fn.countAll<number>().as('n')).whereRef('m.workspace_id', '=', 'w.id').as('members'),
        eb.selectFrom('links as l').select((e) => e.fn.countAll<number>().as('n')).whereRef('l.workspace_id', '=', 'w.id').as('links'),
      ])
      .orderBy('w.created_at')
      .orderBy('w.id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, plan: r.plan, owner_email: r.owner_email ?? null, members: Number(r.members ?? 0), links: Number(r.links ?? 0), created_at: toIso(r.created_at) }));
  }
}

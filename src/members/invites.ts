import type { Outbox } from '../events/outbox.js';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Tx } from '../storage/storage.js';
import { renderMember } from './member-model.js';

export async function hasPendingInvite(db: Kysely<Database>, email: string): Promise<boolean> {
  const row = await db.selectFrom('invites').select('id').where('email', '=', email).limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * A signup accepts every pending invite for its email: the new user joins those workspaces with the
 * invited role (besides getting their own), and each workspace sees `member.added` again, now with a user_id.
 */
export async function acceptInvites(tx: Tx, outbox: Outbox, user: { id: string; email: string; now: number }): Promise<void> {
  const invites = await tx.db.selectFrom('invites').selectAll().where('email', '=', user.email).execute();
  if (invites.length === 0) return;
  await tx.db
    .insertInto('memberships')
    .values(invites.map((i) => ({ workspace_id: i.workspace_id, user_id: user.id, role: i.role, added_at: user.now })))
    .execute();
  await tx.db.deleteFrom('invites').where('email', '=', user.email).execute();
  await outbox.append(
    tx,
    invites.map((i) => ({
      type: 'member.added' as const,
      workspaceId: i.workspace_id,
      data: { member: renderMember({ user_id: user.id, email: user.email, role: i.role, added_at: user.now }) },
    })),
  );
}

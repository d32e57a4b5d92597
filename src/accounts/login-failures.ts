import type { Outbox } from '../events/outbox.js';
import type { Storage } from '../storage/storage.js';

/** A wrong password for a known user becomes `security.login_failed` in each of that user's workspaces. */
export async function recordLoginFailure(
  deps: { storage: Storage; outbox: Outbox },
  failure: { userId: string | null; email: string; ip: string; userAgent: string | null },
): Promise<void> {
  if (!failure.userId) return; // unknown emails emit nothing and reveal nothing
  const userId = failure.userId;
  await deps.storage.transaction(async (tx) => {
    const memberships = await tx.db.selectFrom('memberships').select('workspace_id').where('user_id', '=', userId).execute();
    await deps.outbox.append(
      tx,
      memberships.map((m) => ({
        type: 'security.login_failed' as const,
        workspaceId: m.workspace_id,
        data: { email: failure.email.trim().toLowerCase(), ip: failure.ip, user_agent: failure.userAgent },
      })),
    );
  });
}

import type { Member } from '../accounts/account-schema.js';
import { canonicalRole } from '../accounts/permissions.js';
import { toIso } from '../runtime/clock.js';

/** A member (user_id set, `active`) or a pending invitation (user_id null, `invited`). */
export function renderMember(row: { user_id: string | null; email: string; role: string; added_at: number }): Member {
  return { user_id: row.user_id, email: row.email, role: canonicalRole(row.role), added_at: toIso(Number(row.added_at)), status: row.user_id ? 'active' : 'invited' };
}

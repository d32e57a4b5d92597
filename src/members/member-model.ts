import type { Member, MemberRole } from '../accounts/account-schema.js';
import { toIso } from '../clock.js';

export function renderMember(row: { user_id: string | null; email: string; role: string; added_at: number }): Member {
  return { user_id: row.user_id, email: row.email, role: row.role as MemberRole, added_at: toIso(row.added_at) };
}

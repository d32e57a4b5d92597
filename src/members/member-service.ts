import type { Member, MemberRole } from '../accounts/account-schema.js';
import { normaliseEmail } from '../accounts/email-address.js';
import { conflict, forbidden, notFound } from '../errors.js';
import type { Principal } from '../accounts/principal.js';
import { encodeCursor } from '../runtime/page-cursor.js';
import type { Storage, Tx } from '../storage/storage.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import { can, canonicalRole } from '../accounts/permissions.js';
import { dropTokens, INVITE_TTL_MS, mintToken } from '../accounts/one-time-tokens.js';
import type { MailQueue } from '../mail/mail-queue.js';
import { renderMember } from './member-model.js';
import type { AppContext } from '../assembly/context.js';

export interface MemberServiceDeps extends Omit<AppContext, 'config'> {
  mail: MailQueue;
  /** LINKWIRE_BASE_URL: invitation links are `<base>/invite/<token>`. */
  baseUrl: string;
}

/** A row of the member list: an actual member (user_id set) or a pending invite (user_id null). */
interface Target {
  key: string;
  inviteId: string | null;
  user_id: string | null;
  email: string;
  role: MemberRole;
  added_at: number;
}

const LAST_OWNER = 'The workspace must keep at least one owner: make another member owner first';

/**
 * Members and pending invites. Owners and admins manage members; only owners make, demote or remove
 * owners; the last owner can neither leave nor be demoted. Anyone may remove themselves (leave).
 */
export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  /** Oldest first (the founding owner leads); cursor = the last row's user or invite id. */
  async list(workspaceId: string, query: { limit: number; after: string | null }): Promise<{ data: Member[]; next_cursor: string | null }> {
    const all = await this.allRows(this.deps.storage.db, workspaceId);
    let start = 0;
    if (query.after) {
      const at = all.findIndex((r) => r.key === query.after);
      start = at === -1 ? all.length : at + 1;
    }
    const slice = all.slice(start, start + query.limit);
    const more = start + query.limit < all.length;
    const last = slice[slice.length - 1];
    return { data: slice.map(renderMember), next_cursor: more && last ? encodeCursor(last.key) : null };
  }

  /**
   * An existing user joins at once; an unknown email becomes a pending invitation, mailed in the same
   * transaction, that its link accepts (POST /api/auth/accept-invite). `member.added` fires here, once.
   */
  async add(principal: Principal, input: { email: string; role: string }): Promise<Member> {
    const role = canonicalRole(input.role);
    if (role === 'owner' && principal.role !== 'owner') throw forbidden('Only an owner can add an owner');
    const { storage, clock, ids, outbox } = this.deps;
    const email = normaliseEmail(input.email);
    const workspaceId = principal.workspaceId;
    try {
      return await storage.transaction(async (tx) => {
        const now = clock.now();
        const user = await tx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
        let member: Member;
        if (user) {
          const existing = await tx.db.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', user.id).executeTakeFirst();
          if (existing) throw conflict(`${email} is already a member of this workspace`, { user_id: user.id, role: existing.role });
          await tx.db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: user.id, role, added_at: now }).execute();
          member = renderMember({ user_id: user.id, email, role, added_at: now });
        } else {
          const invited = await tx.db.selectFrom('invites').select('id').where('workspace_id', '=', workspaceId).where('email', '=', email).executeTakeFirst();
          if (invited) throw conflict(`${email} is already invited to this workspace`);
          const inviteId = ids.next('inv');
          await tx.db.insertInto('invites').values({ id: inviteId, workspace_id: workspaceId, email, role, invited_by: principal.userId, created_at: now }).execute();
          await this.mailInvitation(tx, { id: inviteId, workspace_id: workspaceId, email, role, invited_by: principal.userId });
          member = renderMember({ user_id: null, email, role, added_at: now });
        }
        await outbox.append(tx, [{ type: 'member.added', workspaceId, data: { member } }]);
        return member;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`${email} is already a member or invited`);
      throw err;
    }
  }

  /** Mails a pending invitation again (a new link; the earlier ones keep working until used or expired). */
  async resendInvitation(principal: Principal, ref: string): Promise<Member> {
    return this.deps.storage.transaction(async (tx) => {
      const target = await this.findTarget(tx, principal.workspaceId, ref);
      if (!target.inviteId) throw conflict(`${target.email} has already joined; there is no invitation to resend`);
      const invite = await tx.db.selectFrom('invites').selectAll().where('id', '=', target.inviteId).executeTakeFirstOrThrow();
      await this.mailInvitation(tx, invite);
      return renderMember(target);
    });
  }

  /**
   * A fresh invitation link for an admin to hand over by other means (no SMTP configured, or a mail
   * that never arrived). The token is returned here once and stored only hashed.
   */
  async invitationLink(principal: Principal, ref: string): Promise<{ url: string; expires_at: string }> {
    const { storage, clock, baseUrl } = this.deps;
    const target = await this.findTarget(storage, principal.workspaceId, ref);
    if (!target.inviteId) throw conflict(`${target.email} has already joined; there is no invitation`);
    const { token, expiresAt } = await mintToken(storage.db, { kind: 'invite', subject: target.inviteId, now: clock.now(), ttlMs: INVITE_TTL_MS, mailId: null });
    return { url: `${baseUrl}/invite/${token}`, expires_at: new Date(expiresAt).toISOString() };
  }

  private async mailInvitation(tx: Tx, invite: { id: string; workspace_id: string; email: string; role: string; invited_by: string | null }): Promise<void> {
    const workspace = await tx.db.selectFrom('workspaces').select('name').where('id', '=', invite.workspace_id).executeTakeFirstOrThrow();
    const inviter = invite.invited_by ? await tx.db.selectFrom('users').select('email').where('id', '=', invite.invited_by).executeTakeFirst() : undefined;
    await this.deps.mail.enqueue(tx, [
      {
        kind: 'invitation',
        to: invite.email,
        workspaceId: invite.workspace_id,
        payload: { invite_id: invite.id, workspace_name: workspace.name, inviter_email: inviter?.email ?? null, role: canonicalRole(invite.role) },
      },
    ]);
  }

  async changeRole(principal: Principal, ref: string, input: string): Promise<Member> {
    const role: MemberRole = canonicalRole(input);
    const { storage, outbox } = this.deps;
    const workspaceId = principal.workspaceId;
    return storage.transaction(async (tx) => {
      await this.lockWorkspace(tx, workspaceId);
      const target = await this.findTarget(tx, workspaceId, ref);
      if (target.role === role) return renderMember(target);
      if ((target.role === 'owner' || role === 'owner') && principal.role !== 'owner') {
        throw forbidden('Only an owner can make someone an owner or change an owner’s role');
      }
      if (target.role === 'owner' && target.user_id && (await this.ownerCount(tx, workspaceId)) <= 1) throw conflict(LAST_OWNER);
      if (target.inviteId) await tx.db.updateTable('invites').set({ role }).where('id', '=', target.inviteId).execute();
      else await tx.db.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', target.user_id!).execute();
      const member = renderMember({ ...target, role });
      await outbox.append(tx, [{ type: 'member.role_changed', workspaceId, data: { member, previous_role: target.role } }]);
      return member;
    });
  }

  /** Removal also ends the member's sessions in this workspace and revokes the keys they made here. */
  async remove(principal: Principal, ref: string): Promise<void> {
    const { storage, outbox } = this.deps;
    const workspaceId = principal.workspaceId;
    await storage.transaction(async (tx) => {
      await this.lockWorkspace(tx, workspaceId);
      const target = await this.findTarget(tx, workspaceId, ref);
      const self = target.user_id !== null && target.user_id === principal.userId;
      if (!self && !can(principal.role, 'members:write')) throw forbidden(`Your role (${principal.role}) can only remove yourself; an owner or admin can remove others`);
      if (target.role === 'owner' && !self && principal.role !== 'owner') throw forbidden('Only an owner can remove an owner');
      if (target.role === 'owner' && target.user_id && (await this.ownerCount(tx, workspaceId)) <= 1) {
        throw conflict(self ? `You are the last owner and cannot leave. ${LAST_OWNER}` : LAST_OWNER);
      }
      if (target.inviteId) {
        await tx.db.deleteFrom('invites').where('id', '=', target.inviteId).execute();
        // A revoked invitation's links stop working at once.
        await dropTokens(tx.db, 'invite', target.inviteId);
      } else {
        const userId = target.user_id!;
        await tx.db.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
        await tx.db.deleteFrom('sessions').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
        await tx.db.deleteFrom('api_keys').where('workspace_id', '=', workspaceId).where('created_by', '=', userId).execute();
      }
      await outbox.append(tx, [{ type: 'member.removed', workspaceId, data: { member: renderMember(target) } }]);
    });
  }

  private async allRows(db: Storage['db'] | Tx['db'], workspaceId: string): Promise<Target[]> {
    const members = await db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['memberships.user_id', 'users.email', 'memberships.role', 'memberships.added_at'])
      .where('memberships.workspace_id', '=', workspaceId)
      .execute();
    const invites = await db.selectFrom('invites').selectAll().where('workspace_id', '=', workspaceId).execute();
    const rows: Target[] = [
      ...members.map((m) => ({ key: m.user_id, inviteId: null, user_id: m.user_id, email: m.email, role: canonicalRole(m.role), added_at: Number(m.added_at) })),
      ...invites.map((i) => ({ key: i.id, inviteId: i.id, user_id: null, email: i.email, role: canonicalRole(i.role), added_at: Number(i.created_at) })),
    ];
    // Ties (same millisecond) go by the ids' time-sortable part, whatever their prefix.
    const order = (row: Target) => `${row.key.slice(row.key.indexOf('_') + 1)}/${row.key}`;
    return rows.sort((a, b) => a.added_at - b.added_at || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  /** `ref` is a user id, or an email (the only handle a pending invite has). */
  private async findTarget(tx: Pick<Tx, 'db'> | Storage, workspaceId: string, ref: string): Promise<Target> {
    const rows = await this.allRows(tx.db, workspaceId);
    const email = ref.includes('@') ? normaliseEmail(ref) : null;
    const target = rows.find((r) => (email ? r.email === email : r.user_id === ref));
    if (!target) throw notFound('Member');
    return target;
  }

  private async ownerCount(tx: Tx, workspaceId: string): Promise<number> {
    const row = await tx.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Serialises member changes per workspace, so two demotions cannot leave it ownerless. */
  private async lockWorkspace(tx: Tx, workspaceId: string): Promise<void> {
    await tx.lockRows(tx.db.selectFrom('workspaces').select('id').where('id', '=', workspaceId)).execute();
  }
}

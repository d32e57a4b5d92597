/** The team calls: members and invitations (`/api/workspace/members…`) and the operator's mail view (`/api/mail…`). */
import { del, get, patch, post, type Answer, type Member, type Page } from '../api';

/** A member's handle in the API: their user id, or the email of a pending invitation. */
const refOf = (m: Member) => encodeURIComponent(m.user_id ?? m.email);

export const listMembers = () => get<Page<Member>>('/api/workspace/members?limit=100');
export const addMember = (email: string, role: Member['role']) => post<Member>('/api/workspace/members', { email, role });
export const changeRole = (m: Member, role: Member['role']) => patch(`/api/workspace/members/${refOf(m)}`, { role });
export const resendInvitation = (m: Member) => post(`/api/workspace/members/${refOf(m)}/resend`);
/** An invitation link to pass on by hand (no mail server). */
export const invitationLink = (m: Member) => post<Answer<'/api/workspace/members/{user_id}/invitation-link', 'post'>>(`/api/workspace/members/${refOf(m)}/invitation-link`);
export const removeMember = (m: Member) => del(`/api/workspace/members/${refOf(m)}`);

export const mailStatus = () => get<Answer<'/api/mail/status', 'get'>>('/api/mail/status');
export const pendingResets = () => get<Answer<'/api/mail/pending-resets', 'get'>>('/api/mail/pending-resets');
export const passwordResetLink = (id: string) => post<Answer<'/api/mail/pending-resets/{id}/link', 'post'>>(`/api/mail/pending-resets/${encodeURIComponent(id)}/link`);

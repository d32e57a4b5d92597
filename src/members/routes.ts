import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RoleInputSchema } from '../accounts/account-schema.js';
import type { AccessRouteConfig } from '../api-keys/access-policy.js';
import { principalOf } from '../http/auth.js';
import { PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import type { MemberService } from './member-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

// A user id, or the email of a pending invite (URL-encoded).
const MemberParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 254 }) });
const AddMemberBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: RoleInputSchema },
  { additionalProperties: false },
);
const ChangeRoleBody = Type.Object({ role: RoleInputSchema }, { additionalProperties: false });
const leaveAllowed: AccessRouteConfig = { anyRoleMayWrite: true };
const InvitationLink = Type.Object({ url: Type.String({ description: '<base>/invite/<token>: works once, for 7 days' }), expires_at: Type.String({ format: 'date-time' }) });

/** Workspace members and invitations. Writes need `members:write` (owner, admin); anyone may leave. */
export function memberRoutes(members: MemberService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/api/workspace/members', { schema: { summary: 'Members and pending invites', querystring: Type.Object(PageQuery), response: { 200: listOf('Member'), ...errors(400) } } }, async (request) =>
      members.list(principalOf(request).workspaceId, { limit: request.query.limit ?? 50, after: decodeCursor(request.query.cursor) }),
    );

    r.post('/api/workspace/members', { schema: { summary: 'Add a member (an invite until that email signs up)', body: AddMemberBody, response: { 201: ref('Member'), ...errors(400, 403, 409) } } }, async (request, reply) => {
      const member = await members.add(principalOf(request), request.body);
      return reply.status(201).send(member);
    });

    r.post(
      '/api/workspace/members/:user_id/resend',
      { schema: { summary: 'Mail a pending invitation again', params: MemberParams, response: { 202: ref('Member'), ...errors(403, 404, 409) } } },
      async (request, reply) => reply.status(202).send(await members.resendInvitation(principalOf(request), request.params.user_id)),
    );

    r.post(
      '/api/workspace/members/:user_id/invitation-link',
      { schema: { summary: 'A fresh invitation link to hand over yourself (shown once; stored only hashed)', params: MemberParams, response: { 201: InvitationLink, ...errors(403, 404, 409) } } },
      async (request, reply) => reply.status(201).send(await members.invitationLink(principalOf(request), request.params.user_id)),
    );

    r.patch('/api/workspace/members/:user_id', { schema: { summary: 'Change a member’s role', params: MemberParams, body: ChangeRoleBody, response: { 200: ref('Member'), ...errors(400, 403, 404) } } }, async (request) =>
      members.changeRole(principalOf(request), request.params.user_id, request.body.role),
    );

    r.delete('/api/workspace/members/:user_id', { schema: { summary: 'Remove a member, or leave', params: MemberParams, response: { 204: NoContent, ...errors(400, 403, 404) } }, config: leaveAllowed }, async (request, reply) => {
      await members.remove(principalOf(request), request.params.user_id);
      return reply.status(204).send(null);
    });
  };
}

import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RoleSchema } from '../accounts/account-schema.js';
import type { AccessRouteConfig } from '../api-keys/access-policy.js';
import { principalOf } from '../http/auth.js';
import { decodeCursor, PageQuery } from '../http/pagination.js';
import type { MemberService } from './member-service.js';
import { errors, listOf, NoContent, ref } from '../openapi/components.js';

// A user id, or the email of a pending invite (URL-encoded).
const MemberParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 254 }) });
const AddMemberBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: RoleSchema },
  { additionalProperties: false },
);
const ChangeRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
const leaveAllowed: AccessRouteConfig = { membersMayWrite: true };

/** Workspace members. Writes need owner/admin (members may only leave) and `members:write`. */
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

    r.patch('/api/workspace/members/:user_id', { schema: { summary: 'Change a member’s role', params: MemberParams, body: ChangeRoleBody, response: { 200: ref('Member'), ...errors(400, 403, 404) } } }, async (request) =>
      members.changeRole(principalOf(request), request.params.user_id, request.body.role),
    );

    r.delete('/api/workspace/members/:user_id', { schema: { summary: 'Remove a member, or leave', params: MemberParams, response: { 204: NoContent, ...errors(400, 403, 404) } }, config: leaveAllowed }, async (request, reply) => {
      await members.remove(principalOf(request), request.params.user_id);
      return reply.status(204).send(null);
    });
  };
}

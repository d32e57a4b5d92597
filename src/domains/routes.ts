import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import type { DomainService } from './domain-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const AddDomainBody = Type.Object({ hostname: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });

/** Custom domains. Writes need owner/admin and the `domains:write` scope (see src/api-keys/access-policy.ts). */
export function domainRoutes(domains: DomainService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/domains', { schema: { summary: 'Add a custom domain (verify it with the DNS TXT record it answers)', body: AddDomainBody, response: { 201: ref('Domain'), ...errors(400, 403, 409) } } }, async (request, reply) => {
      const domain = await domains.add(principalOf(request).workspaceId, request.body);
      return reply.status(201).send(domain);
    });

    r.get('/api/domains', { schema: { summary: 'List custom domains', querystring: Type.Object(PageQuery), response: { 200: listOf('Domain'), ...errors(400) } } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await domains.list(principalOf(request).workspaceId, { limit, after: decodeCursor(request.query.cursor) });
      return page(rows, limit, (row) => domains.renderRow(row));
    });

    r.get('/api/domains/:id', { schema: { summary: 'Get a custom domain', params: IdParams, response: { 200: ref('Domain'), ...errors(404) } } }, async (request) => domains.get(principalOf(request).workspaceId, request.params.id));

    r.post('/api/domains/:id/verify', { schema: { summary: 'Look for the TXT record now', params: IdParams, response: { 200: ref('Domain'), ...errors(403, 404) } } }, async (request) =>
      domains.verify(principalOf(request).workspaceId, request.params.id),
    );

    r.delete(
      '/api/domains/:id',
      {
        schema: {
          summary: 'Remove a custom domain (force: also when links use it)',
          params: IdParams,
          querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
          response: { 204: NoContent, ...errors(400, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await domains.remove(principalOf(request).workspaceId, request.params.id, { force: request.query.force ?? false });
        return reply.status(204).send(null);
      },
    );
  };
}

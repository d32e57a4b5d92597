import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import { CreateLinkBody, UpdateLinkBody } from './link-schema.js';
import type { LinkService } from './link-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function linkRoutes(links: LinkService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/links', { schema: { summary: 'Create a short link', body: CreateLinkBody, response: { 201: ref('Link'), ...errors(400, 403, 409) } } }, async (request, reply) => {
      const principal = principalOf(request);
      const link = await links.create(principal.workspaceId, request.body, principal.userId);
      return reply.status(201).send(link);
    });

    r.get(
      '/api/links',
      {
        schema: {
          summary: 'List links, newest first',
          response: { 200: listOf('Link'), ...errors(400) },
          querystring: Type.Object({
            ...PageQuery,
            search: Type.Optional(Type.String({ maxLength: 200 })),
            tag: Type.Optional(Type.String({ maxLength: 64 })),
            domain: Type.Optional(Type.String({ maxLength: 253 })),
          }),
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 50;
        const rows = await links.list(principalOf(request).workspaceId, {
          search: request.query.search,
          tag: request.query.tag,
          domain: request.query.domain,
          limit,
          after: decodeCursor(request.query.cursor),
        });
        return page(rows, limit, (row) => links.renderRow(row));
      },
    );

    r.post(
      '/api/links/bulk',
      {
        schema: {
          summary: 'Create up to 1000 links, all or nothing',
          body: Type.Object({ links: Type.Array(CreateLinkBody, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
          response: { 201: Type.Object({ data: Type.Array(ref('Link')) }), ...errors(400, 403, 409) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const created = await links.createMany(principal.workspaceId, request.body.links, principal.userId);
        return reply.status(201).send({ data: created });
      },
    );

    r.post(
      '/api/links/bulk-delete',
      {
        schema: {
          summary: 'Delete up to 1000 links, all or nothing',
          body: Type.Object({ ids: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors(400, 403, 404) },
        },
      },
      async (request) => {
        const deleted = await links.removeMany(principalOf(request).workspaceId, request.body.ids);
        return { deleted };
      },
    );

    r.get('/api/links/:id', { schema: { summary: 'Get a link', params: IdParams, response: { 200: ref('Link'), ...errors(404) } } }, async (request) => links.get(principalOf(request).workspaceId, request.params.id));

    r.patch('/api/links/:id', { schema: { summary: 'Change a link', params: IdParams, body: UpdateLinkBody, response: { 200: ref('Link'), ...errors(400, 403, 404, 409) } } }, async (request) =>
      links.update(principalOf(request).workspaceId, request.params.id, request.body),
    );

    r.delete('/api/links/:id', { schema: { summary: 'Delete a link', params: IdParams, response: { 204: NoContent, ...errors(403, 404) } } }, async (request, reply) => {
      await links.remove(principalOf(request).workspaceId, request.params.id);
      return reply.status(204).send(null);
    });
  };
}

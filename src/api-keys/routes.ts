import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import { renderApiKey, type ApiKeyService } from './api-key-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** API keys of the caller's workspace. Writes need owner/admin and `api_keys:write`. */
export function apiKeyRoutes(keys: ApiKeyService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/api/workspace/api-keys', { schema: { summary: 'List API keys', querystring: Type.Object(PageQuery), response: { 200: listOf('ApiKey'), ...errors(400) } } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await keys.list(principalOf(request).workspaceId, { limit, after: decodeCursor(request.query.cursor) });
      return page(rows, limit, renderApiKey);
    });

    r.post('/api/workspace/api-keys', { schema: { summary: 'Create an API key (the key is shown only here)', body: CreateKeyBody, response: { 201: ref('ApiKeyWithKey'), ...errors(400, 403) } } }, async (request, reply) => {
      const created = await keys.create(principalOf(request), request.body);
      return reply.status(201).send(created);
    });

    r.get('/api/workspace/api-keys/:id', { schema: { summary: 'Get an API key', params: IdParams, response: { 200: ref('ApiKey'), ...errors(404) } } }, async (request) =>
      keys.get(principalOf(request).workspaceId, request.params.id),
    );

    r.delete('/api/workspace/api-keys/:id', { schema: { summary: 'Revoke an API key (at once)', params: IdParams, response: { 204: NoContent, ...errors(403, 404) } } }, async (request, reply) => {
      await keys.remove(principalOf(request).workspaceId, request.params.id);
      return reply.status(204).send(null);
    });
  };
}

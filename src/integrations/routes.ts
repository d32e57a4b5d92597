import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import { INTEGRATION_TYPES, renderIntegration, type IntegrationService } from './integration-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const IntegrationType = Type.Union(INTEGRATION_TYPES.map((t) => Type.Literal(t)));
const ConnectBody = Type.Object(
  {
    type: IntegrationType,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    settings: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** Integrations. Writes need owner/admin and `integrations:write`. */
export function integrationRoutes(integrations: IntegrationService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/api/integrations', { schema: { summary: 'List integrations', querystring: Type.Object({ ...PageQuery, type: Type.Optional(IntegrationType) }), response: { 200: listOf('Integration'), ...errors(400) } } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await integrations.list(principalOf(request).workspaceId, { limit, after: decodeCursor(request.query.cursor), type: request.query.type });
      return page(rows, limit, renderIntegration);
    });

    r.post('/api/integrations', { schema: { summary: 'Connect an integration', body: ConnectBody, response: { 201: ref('Integration'), ...errors(400, 403) } } }, async (request, reply) => {
      const integration = await integrations.connect(principalOf(request), request.body);
      return reply.status(201).send(integration);
    });

    r.get('/api/integrations/:id', { schema: { summary: 'Get an integration', params: IdParams, response: { 200: ref('Integration'), ...errors(404) } } }, async (request) => integrations.get(principalOf(request).workspaceId, request.params.id));

    r.delete('/api/integrations/:id', { schema: { summary: 'Remove an integration', params: IdParams, response: { 204: NoContent, ...errors(403, 404) } } }, async (request, reply) => {
      await integrations.remove(principalOf(request).workspaceId, request.params.id);
      return reply.status(204).send(null);
    });
  };
}

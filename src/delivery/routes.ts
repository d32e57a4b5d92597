import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, requirePermission } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import { DELIVERY_STATUSES, renderDelivery } from './delivery-model.js';
import type { DeliveryService } from './delivery-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors } from '../openapi/refs.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function deliveryRoutes(deliveries: DeliveryService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      '/api/webhooks/:id/test',
      {
        schema: {
          summary: 'Send a sample event now and report what the endpoint answered',
          params: IdParams,
          body: Type.Object(
            {
              type: Type.Optional(Type.String({ maxLength: 64, description: 'An event type; default link.clicked' })),
              payload_version: Type.Optional(
                Type.String({ maxLength: 40, description: 'Send in this payload version instead of the webhook’s (try an upgrade before switching); the webhook is not changed' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: ref('TestSendResult'), ...errors(400, 403, 404) },
        },
        preValidation: async (request) => {
          requirePermission(request, 'webhooks:write');
          request.body ??= {}; // the body is optional: no type means the first type the webhook subscribes to
        },
      },
      async (request) => deliveries.sendTest(principalOf(request).workspaceId, request.params.id, request.body.type, request.body.payload_version),
    );

    r.get(
      '/api/webhooks/:id/deliveries',
      {
        schema: {
          summary: 'A webhook’s deliveries, newest first',
          params: IdParams,
          response: { 200: listOf('Delivery'), ...errors(400, 404) },
          querystring: Type.Object({
            ...PageQuery,
            status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
            type: Type.Optional(Type.String({ maxLength: 64 })),
          }),
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 50;
        const rows = await deliveries.list(principalOf(request).workspaceId, request.params.id, {
          status: request.query.status,
          type: request.query.type,
          limit,
          after: decodeCursor(request.query.cursor),
        });
        return page(rows, limit, renderDelivery);
      },
    );

    r.get('/api/deliveries/:id', { schema: { summary: 'A delivery with its request and every attempt', params: IdParams, response: { 200: ref('DeliveryDetail'), ...errors(404) } } }, async (request) => deliveries.detail(principalOf(request).workspaceId, request.params.id));

    r.post(
      '/api/deliveries/:id/replay',
      {
        schema: { summary: 'Queue a delivery again, due now (same event id)', params: IdParams, response: { 202: ref('Delivery'), ...errors(403, 404) } },
        preValidation: async (request) => {
          requirePermission(request, 'webhooks:write');
        },
      },
      async (request, reply) => reply.status(202).send(await deliveries.replay(principalOf(request).workspaceId, request.params.id)),
    );

    r.post(
      '/api/webhooks/:id/replay',
      {
        schema: {
          summary: 'Queue again every delivery of this webhook since a time',
          params: IdParams,
          response: { 202: Type.Object({ replayed: Type.Integer() }), ...errors(400, 403, 404) },
          body: Type.Object(
            {
              since: Type.String({ format: 'date-time' }),
              status: Type.Optional(Type.Union([Type.Literal('failed'), Type.Literal('succeeded'), Type.Literal('all')])),
            },
            { additionalProperties: false },
          ),
        },
        preValidation: async (request) => {
          requirePermission(request, 'webhooks:write');
        },
      },
      async (request, reply) =>
        reply.status(202).send(await deliveries.replaySince(principalOf(request).workspaceId, request.params.id, request.body.since, request.body.status)),
    );
  };
}

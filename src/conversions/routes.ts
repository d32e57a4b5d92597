import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { ref } from '../openapi/components.js';
import { errors } from '../openapi/refs.js';
import { TrackLeadBody, TrackSaleBody } from './conversion-schema.js';
import type { ConversionService } from './conversion-service.js';

/**
 * `POST /api/track/lead` and `/api/track/sale` (SPEC §3b, docs/conversions.md): called by a shop's
 * server with a key holding `conversions:write` (scopes.ts maps `/api/track` to that area).
 */
export function conversionRoutes(conversions: ConversionService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      '/api/track/lead',
      {
        schema: {
          summary: 'Record a lead: a customer who arrived with a click (its lw_click_id) signed up',
          description: 'Fires `lead.created` with the click and its link. A click id this workspace does not have is a 404.',
          body: TrackLeadBody,
          response: { 201: ref('Lead'), ...errors(400, 403, 404) },
        },
      },
      async (request, reply) => reply.status(201).send(await conversions.trackLead(principalOf(request).workspaceId, request.body)),
    );
    r.post(
      '/api/track/sale',
      {
        schema: {
          summary: 'Record a sale, attributed to the customer’s lead (and so to its click and link)',
          description:
            'Fires `sale.created`. The same `invoice_id` twice is one sale: the second call answers 200 with the sale already recorded, and nothing is counted or fired again. A customer with no lead is a 404.',
          body: TrackSaleBody,
          response: { 200: ref('Sale', 'This invoice was already recorded: the existing sale'), 201: ref('Sale', 'The new sale'), ...errors(400, 403, 404) },
        },
      },
      async (request, reply) => {
        const { sale, created } = await conversions.trackSale(principalOf(request).workspaceId, request.body);
        return reply.status(created ? 201 : 200).send(sale);
      },
    );
  };
}

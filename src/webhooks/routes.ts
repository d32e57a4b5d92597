import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf, requirePermission } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import { CreateLinkWebhookBody, CreateWebhookBody, RotateSecretBody, UpdateWebhookBody } from './webhook-schema.js';
import type { WebhookService } from './webhook-service.js';
import { listOf, ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const LinkWebhookParams = Type.Object({ id: Type.String({ maxLength: 64 }), webhook_id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object(PageQuery);

/** Changing a webhook takes the webhooks:write permission (owner, admin, editor); viewers may read. Checked before the body, so a member learns nothing from validation. */
async function mayWriteWebhooks(request: FastifyRequest): Promise<void> {
  requirePermission(request, 'webhooks:write');
}

export function webhookRoutes(webhooks: WebhookService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/webhooks', { schema: { summary: 'Subscribe an endpoint (the secret is shown only here)', body: CreateWebhookBody, response: { 201: ref('WebhookWithSecret'), ...errors(400, 403) } }, preValidation: mayWriteWebhooks }, async (request, reply) => {
      const webhook = await webhooks.create(principalOf(request).workspaceId, request.body);
      return reply.status(201).send(webhook);
    });

    r.get('/api/webhooks', { schema: { summary: 'List webhooks', querystring: ListQuery, response: { 200: listOf('Webhook'), ...errors(400) } } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await webhooks.list(principalOf(request).workspaceId, { limit, after: decodeCursor(request.query.cursor) });
      return page(rows, limit, (w) => w);
    });

    r.get('/api/webhooks/:id', { schema: { summary: 'Get a webhook', params: IdParams, response: { 200: ref('Webhook'), ...errors(404) } } }, async (request) => webhooks.get(principalOf(request).workspaceId, request.params.id));

    r.patch('/api/webhooks/:id', { schema: { summary: 'Change a webhook (active: false pauses it)', params: IdParams, body: UpdateWebhookBody, response: { 200: ref('Webhook'), ...errors(400, 403, 404) } }, preValidation: mayWriteWebhooks }, async (request) =>
      webhooks.update(principalOf(request).workspaceId, request.params.id, request.body),
    );

    r.delete('/api/webhooks/:id', { schema: { summary: 'Delete a webhook', params: IdParams, response: { 204: NoContent, ...errors(403, 404) } }, preValidation: mayWriteWebhooks }, async (request, reply) => {
      await webhooks.remove(principalOf(request).workspaceId, request.params.id);
      return reply.status(204).send(null);
    });

    r.post(
      '/api/webhooks/:id/rotate-secret',
      {
        schema: { summary: 'New signing secret; the old one may keep signing for grace_period_s', params: IdParams, body: RotateSecretBody, response: { 200: Type.Object({ secret: Type.String() }), ...errors(400, 403, 404) } },
        preValidation: async (request) => {
          requirePermission(request, 'webhooks:write');
          // The body is optional: no body means the defaults.
          request.body ??= {};
        },
      },
      async (request) => webhooks.rotateSecret(principalOf(request).workspaceId, request.params.id, request.body.grace_period_s ?? 0),
    );

    r.get('/api/links/:id/webhooks', { schema: { summary: 'Webhooks attached to this link', params: IdParams, querystring: ListQuery, response: { 200: listOf('Webhook'), ...errors(400, 404) } } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await webhooks.listForLink(principalOf(request).workspaceId, request.params.id, {
        limit,
        after: decodeCursor(request.query.cursor),
      });
      return page(rows, limit, (w) => w);
    });

    r.post('/api/links/:id/webhooks', { schema: { summary: 'Subscribe an endpoint to this link’s events only', params: IdParams, body: CreateLinkWebhookBody, response: { 201: ref('WebhookWithSecret'), ...errors(400, 403, 404) } }, preValidation: mayWriteWebhooks }, async (request, reply) => {
      const webhook = await webhooks.createForLink(principalOf(request).workspaceId, request.params.id, request.body);
      return reply.status(201).send(webhook);
    });

    r.delete('/api/links/:id/webhooks/:webhook_id', { schema: { summary: 'Detach a webhook from this link', params: LinkWebhookParams, response: { 204: NoContent, ...errors(403, 404) } }, preValidation: mayWriteWebhooks }, async (request, reply) => {
      await webhooks.detachLink(principalOf(request).workspaceId, request.params.id, request.params.webhook_id);
      return reply.status(204).send(null);
    });
  };
}

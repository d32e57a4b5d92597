import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf, requireRole } from '../http/auth.js';
import { decodeCursor, page, PageQuery } from '../http/pagination.js';
import { CreateLinkWebhookBody, CreateWebhookBody, RotateSecretBody, UpdateWebhookBody } from './webhook-schema.js';
import type { WebhookService } from './webhook-service.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const LinkWebhookParams = Type.Object({ id: Type.String({ maxLength: 64 }), webhook_id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object(PageQuery);

/** Changing a webhook takes an owner or admin; members may read. Checked before the body, so a member learns nothing from validation. */
async function ownerOrAdmin(request: FastifyRequest): Promise<void> {
  requireRole(request, 'owner', 'admin');
}

export function webhookRoutes(webhooks: WebhookService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/webhooks', { schema: { body: CreateWebhookBody }, preValidation: ownerOrAdmin }, async (request, reply) => {
      const webhook = await webhooks.create(principalOf(request).workspaceId, request.body);
      return reply.status(201).send(webhook);
    });

    r.get('/api/webhooks', { schema: { querystring: ListQuery } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await webhooks.list(principalOf(request).workspaceId, { limit, after: decodeCursor(request.query.cursor) });
      return page(rows, limit, (w) => w);
    });

    r.get('/api/webhooks/:id', { schema: { params: IdParams } }, async (request) => webhooks.get(principalOf(request).workspaceId, request.params.id));

    r.patch('/api/webhooks/:id', { schema: { params: IdParams, body: UpdateWebhookBody }, preValidation: ownerOrAdmin }, async (request) =>
      webhooks.update(principalOf(request).workspaceId, request.params.id, request.body),
    );

    r.delete('/api/webhooks/:id', { schema: { params: IdParams }, preValidation: ownerOrAdmin }, async (request, reply) => {
      await webhooks.remove(principalOf(request).workspaceId, request.params.id);
      return reply.status(204).send();
    });

    r.post(
      '/api/webhooks/:id/rotate-secret',
      {
        schema: { params: IdParams, body: RotateSecretBody },
        preValidation: async (request) => {
          requireRole(request, 'owner', 'admin');
          // The body is optional: no body means the defaults.
          request.body ??= {};
        },
      },
      async (request) => webhooks.rotateSecret(principalOf(request).workspaceId, request.params.id, request.body.grace_period_s ?? 0),
    );

    r.get('/api/links/:id/webhooks', { schema: { params: IdParams, querystring: ListQuery } }, async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await webhooks.listForLink(principalOf(request).workspaceId, request.params.id, {
        limit,
        after: decodeCursor(request.query.cursor),
      });
      return page(rows, limit, (w) => w);
    });

    r.post('/api/links/:id/webhooks', { schema: { params: IdParams, body: CreateLinkWebhookBody }, preValidation: ownerOrAdmin }, async (request, reply) => {
      const webhook = await webhooks.createForLink(principalOf(request).workspaceId, request.params.id, request.body);
      return reply.status(201).send(webhook);
    });

    r.delete('/api/links/:id/webhooks/:webhook_id', { schema: { params: LinkWebhookParams }, preValidation: ownerOrAdmin }, async (request, reply) => {
      await webhooks.detachLink(principalOf(request).workspaceId, request.params.id, request.params.webhook_id);
      return reply.status(204).send();
    });
  };
}

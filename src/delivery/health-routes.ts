import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { WebhookHealthSchema, type WebhookHealthReport } from './webhook-health.js';

/** `GET /api/webhook-health`: every webhook's last attempt and its success rate over the last day. */
export function webhookHealthRoutes(report: WebhookHealthReport) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      '/api/webhook-health',
      { schema: { summary: 'Each webhook’s last attempt and success rate over the last day', response: { 200: Type.Object({ data: Type.Array(WebhookHealthSchema) }) } } },
      async (request) => ({ data: await report.forWorkspace(principalOf(request).workspaceId) }),
    );
  };
}

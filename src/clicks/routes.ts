import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import { errors } from '../openapi/refs.js';
import { ClickSchema } from './click-schema.js';
import { RECENT_CLICKS_MAX, type RecentClicks } from './recent-clicks.js';

/** `GET /api/links/:id/clicks?limit=20`: the link's latest clicks, newest first (the dashboard's "Recent clicks"). */
export function clickRoutes(recent: RecentClicks) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      '/api/links/:id/clicks',
      {
        schema: {
          summary: 'A link’s latest clicks, newest first',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: RECENT_CLICKS_MAX })) }),
          response: { 200: Type.Object({ data: Type.Array(ClickSchema) }), ...errors(400, 404) },
        },
      },
      async (request) => ({ data: await recent.forLink(principalOf(request).workspaceId, request.params.id, request.query.limit ?? 20) }),
    );
  };
}

import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import type { StatsService } from './stats-service.js';
import { STATS_INTERVALS } from './stats-window.js';
import { ref } from '../openapi/components.js';
import { errors } from '../openapi/refs.js';

const StatsQuery = Type.Object({
  interval: Type.Optional(Type.Union(STATS_INTERVALS.map((i) => Type.Literal(i)))),
  bots: Type.Optional(Type.Boolean({ description: 'Count the bots let through with people (default false; `totals.bots` counts them either way)' })),
});

/** `GET /api/links/:id/stats?interval=24h|7d|30d|90d|all` (default 7d). */
export function statsRoutes(stats: StatsService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      '/api/links/:id/stats',
      {
        schema: {
          summary: 'Click totals, a time series and top breakdowns',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          querystring: StatsQuery,
          response: { 200: ref('LinkStats'), ...errors(400, 404) },
        },
      },
      async (request) => stats.forLink(principalOf(request).workspaceId, request.params.id, request.query.interval ?? '7d', request.query.bots ?? false),
    );
  };
}

import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AccountsService } from '../accounts/accounts-service.js';
import type { Clock } from '../clock.js';
import { principalOf } from '../http/auth.js';
import { errors, ref } from '../openapi/components.js';
import type { Storage } from '../storage/storage.js';
import type { AnalyticsService } from './analytics-service.js';
import { analyticsQuery } from './analytics-query.js';

export const AnalyticsQueryString = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO-8601 timestamp, or a date (YYYY-MM-DD: its local midnight in the workspace time zone). Default: 30 local days ago' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO-8601 timestamp (exclusive), or a date (YYYY-MM-DD: that whole local day included). Default: now' })),
  interval: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')], { description: 'Series buckets (default: hour for ranges up to 2 days, else day)' })),
  link_id: Type.Optional(Type.String({ maxLength: 64 })),
  domain: Type.Optional(Type.String({ maxLength: 253 })),
  tag: Type.Optional(Type.String({ maxLength: 100 })),
  bots: Type.Optional(Type.Boolean({ description: 'Count the bots let through (default false)' })),
});

/** `GET /api/analytics`: the workspace's clicks over a range (SPEC §3b, docs/analytics.md). */
export function analyticsRoutes(deps: { analytics: AnalyticsService; accounts: AccountsService; storage: Storage; clock: Clock }) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      '/api/analytics',
      {
        schema: {
          summary: 'Workspace analytics: totals, a time series and top lists over a date range',
          querystring: AnalyticsQueryString,
          response: { 200: ref('Analytics'), ...errors(400) },
        },
      },
      async (request) => {
        const workspaceId = principalOf(request).workspaceId;
        const query = await analyticsQuery(deps, workspaceId, request.query);
        return deps.analytics.query(query);
      },
    );
  };
}

import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AccountsService } from '../accounts/accounts-service.js';
import type { Clock } from '../runtime/clock.js';
import { principalOf } from '../http/auth.js';
import { ref } from '../openapi/components.js';
import { errors } from '../openapi/refs.js';
import type { Storage } from '../storage/storage.js';
import type { AnalyticsService } from './analytics-service.js';
import { analyticsQuery } from './analytics-query.js';
import { EXPORT_COLUMNS, exportClicksCsv } from './click-export.js';
import { AnalyticsQueryString } from './analytics-schema.js';

/** `GET /api/analytics` and `/api/analytics/export`: the workspace's clicks over a range (SPEC §3b, docs/analytics.md). */
export function analyticsRoutes(deps: { analytics: AnalyticsService; accounts: AccountsService; storage: Storage; clock: Clock; baseUrl: string }) {
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
    r.get(
      '/api/analytics/export',
      {
        schema: {
          summary: 'The matching clicks as CSV (streamed, oldest first)',
          description: `Same filters as GET /api/analytics. Columns: ${EXPORT_COLUMNS.join(', ')}. Cells starting with = + - @ are prefixed with a quote (no spreadsheet formulas).`,
          querystring: AnalyticsQueryString,
          response: { 200: Type.Unsafe<string>({ description: 'The clicks, one per line after a header line', content: { 'text/csv': { schema: Type.String() } } }), ...errors(400) },
        },
      },
      async (request, reply) => {
        const workspaceId = principalOf(request).workspaceId;
        const query = await analyticsQuery(deps, workspaceId, request.query);
        const csv = Readable.from(exportClicksCsv({ storage: deps.storage, baseUrl: deps.baseUrl }, query), { objectMode: false });
        const name = `linkwire-clicks-${new Date(query.from).toISOString().slice(0, 10)}-${new Date(query.to - 1).toISOString().slice(0, 10)}.csv`;
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(csv);
      },
    );
  };
}

import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { Metrics } from './metrics.js';

/** GET /metrics: the Prometheus text format; with a token configured, only for that bearer. */
export function metricsRoutes(metrics: Metrics, token: string | null) {
  const expected = token === null ? null : Buffer.from(`Bearer ${token}`);
  return (app: FastifyInstance): void => {
    app.get(
      '/metrics',
      {
        config: { public: true },
        schema: {
          summary: 'Prometheus metrics (text exposition format)',
          response: {
            200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
          },
        },
      },
      async (request, reply) => {
        if (expected) {
          const given = Buffer.from(request.headers.authorization ?? '');
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
            void reply.header('www-authenticate', 'Bearer realm="metrics"');
            throw new AppError('UNAUTHORIZED', 'GET /metrics needs "Authorization: Bearer <LINKWIRE_METRICS_TOKEN>"');
          }
        }
        const { contentType, body } = await metrics.render();
        return reply.type(contentType).send(body);
      },
    );
  };
}

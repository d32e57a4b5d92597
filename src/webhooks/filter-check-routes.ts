import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { errors } from '../openapi/refs.js';
import { MAX_FILTER_LENGTH } from './filter-parser.js';
import { checkFilter } from './webhook-input.js';

/**
 * `POST /api/webhook-filters/check {filter}` → `{valid, message, position}`: the same parser the
 * create and update routes use, so the New Webhook form can say what is wrong while one types.
 */
export function filterCheckRoutes() {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      '/api/webhook-filters/check',
      {
        schema: {
          summary: 'Check a webhook filter without saving anything',
          body: Type.Object({ filter: Type.String({ maxLength: MAX_FILTER_LENGTH }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ valid: Type.Boolean(), message: Type.Union([Type.String(), Type.Null()]), position: Type.Union([Type.Integer(), Type.Null()]) }), ...errors(400) },
        },
      },
      async (request) => {
        try {
          checkFilter(request.body.filter);
          return { valid: true, message: null, position: null };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          const position = err.details?.position;
          return { valid: false, message: err.message, position: typeof position === 'number' ? position : null };
        }
      },
    );
  };
}

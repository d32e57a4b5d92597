import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { principalOf } from '../http/auth.js';
import { errors } from '../openapi/refs.js';
import type { PendingResets } from './pending-resets.js';

const PendingReset = Type.Object({ id: Type.String(), email: Type.String(), requested_at: Type.String({ format: 'date-time' }) });

/** Mail status for the dashboard, and the operators' hand-over of reset links when no SMTP is configured. */
export function mailRoutes(deps: { pending: PendingResets; smtpConfigured: boolean; isOperator: (userId: string | null) => Promise<boolean> }) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const operatorOnly = async (request: FastifyRequest) => {
      if (!(await deps.isOperator(principalOf(request).userId))) {
        throw new AppError('FORBIDDEN', "Only the instance's operators (LINKWIRE_ADMIN_EMAILS) can hand over password reset links");
      }
    };

    r.get(
      '/api/mail/status',
      { schema: { summary: 'Whether mail is sent (SMTP configured) and whether the caller is an operator', response: { 200: Type.Object({ smtp_configured: Type.Boolean(), operator: Type.Boolean() }) } } },
      async (request) => ({ smtp_configured: deps.smtpConfigured, operator: await deps.isOperator(principalOf(request).userId) }),
    );

    r.get(
      '/api/mail/pending-resets',
      { schema: { summary: 'Operators: password reset requests of the last hour that could not be mailed', response: { 200: Type.Object({ data: Type.Array(PendingReset) }), ...errors(403) } }, preValidation: operatorOnly },
      async () => ({ data: await deps.pending.list() }),
    );

    r.post(
      '/api/mail/pending-resets/:id/link',
      {
        schema: {
          summary: 'Operators: a reset link for one request, to hand over by other means (shown once; stored only hashed)',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 201: Type.Object({ url: Type.String(), expires_at: Type.String({ format: 'date-time' }), email: Type.String() }), ...errors(403, 404, 409) },
        },
        preValidation: operatorOnly,
      },
      async (request, reply) => reply.status(201).send(await deps.pending.link(request.params.id)),
    );
  };
}

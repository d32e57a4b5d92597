import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../errors.js';
import { principalOf } from '../http/auth.js';
import { errors, NoContent } from '../openapi/refs.js';
import type { TwoFactorService } from './two-factor.js';

const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 64, description: 'The 6-digit code the authenticator app shows now, or (disable, new recovery codes) an unused recovery code' }) },
  { additionalProperties: false },
);
const RecoveryCodes = Type.Object({
  recovery_codes: Type.Array(Type.String(), { description: 'Ten single-use codes, each signs in once in place of a TOTP code; shown only in this answer' }),
});
const Setup = Type.Object({
  otpauth_url: Type.String({ description: 'otpauth://totp/… for an authenticator app (it holds the secret: show it only to its user)' }),
  qr_svg: Type.String({ description: 'The otpauth URL as a QR code, an SVG document' }),
});
const Status = Type.Object({ enabled: Type.Boolean(), recovery_codes_left: Type.Integer({ minimum: 0 }) });

// A session that must set 2FA up before anything else (settings.require_2fa) still reaches these.
const config = { twoFactorSetup: true };

/** The signed-in person's user id: two-factor sign-in is a person's, so an API key cannot change it. */
function sessionUser(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal.via !== 'session' || !principal.userId) {
    throw new AppError('FORBIDDEN', 'Two-factor sign-in is set up by a signed-in person in the dashboard, not with an API key');
  }
  return principal.userId;
}

const clientOf = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null });

/** Two-factor sign-in of the signed-in user (SPEC §2, docs/security.md). */
export function twoFactorRoutes(twoFactor: TwoFactorService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/api/auth/2fa', { config, schema: { summary: 'Whether two-factor sign-in is on for you, and how many recovery codes are left', response: { 200: Status, ...errors(403) } } }, async (request) =>
      twoFactor.status(sessionUser(request)),
    );

    r.post(
      '/api/auth/2fa/setup',
      { config, schema: { summary: 'Start setting two-factor sign-in up: a new secret as an otpauth URL and its QR code', response: { 200: Setup, ...errors(403, 409) } } },
      async (request) => twoFactor.setup(sessionUser(request)),
    );

    r.post(
      '/api/auth/2fa/enable',
      { config, schema: { summary: 'Turn two-factor sign-in on with one valid code; answers ten recovery codes, once', body: CodeBody, response: { 200: RecoveryCodes, ...errors(400, 403, 409, 429) } } },
      async (request) => twoFactor.enable(sessionUser(request), request.body.code, clientOf(request)),
    );

    r.post(
      '/api/auth/2fa/disable',
      { config, schema: { summary: 'Turn two-factor sign-in off (needs a current code or a recovery code)', body: CodeBody, response: { 204: NoContent, ...errors(400, 403, 429) } } },
      async (request, reply) => {
        await twoFactor.disable(sessionUser(request), request.body.code, clientOf(request));
        return reply.status(204).send(null);
      },
    );

    r.post(
      '/api/auth/2fa/recovery-codes',
      { config, schema: { summary: 'Replace your recovery codes with ten new ones (needs a current code or a recovery code)', body: CodeBody, response: { 200: RecoveryCodes, ...errors(400, 403, 429) } } },
      async (request) => twoFactor.regenerateRecoveryCodes(sessionUser(request), request.body.code),
    );
  };
}

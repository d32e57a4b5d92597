import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sessionCookie } from '../accounts/sessions.js';
import { AppError } from '../errors.js';
import { parseCookies } from '../http/auth.js';
import { errors } from '../openapi/refs.js';
import { sameOriginPath } from '../net/same-origin-path.js';
import { SSO_FLOW_TTL_MS, type SsoService } from './sso-service.js';

/** The browser's half of a sign-in in flight (see SsoService); sent only to the callback. */
export const FLOW_COOKIE = 'lw_oidc';
const FLOW_COOKIE_PATH = '/api/auth/oidc/callback';

const SsoStatus = Type.Object({
  enabled: Type.Boolean({ description: 'Whether single sign-on is configured (LINKWIRE_OIDC_*)' }),
  provider_name: Type.Union([Type.String(), Type.Null()], { description: 'For "Sign in with <name>" (LINKWIRE_OIDC_NAME, else the issuer’s host)' }),
  start_url: Type.Union([Type.String(), Type.Null()], { description: 'Where the sign-in button goes (add `?next=/path` to land there)' }),
});
const StartQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000, description: 'A page of the dashboard to land on afterwards; anything else is ignored' })) });
const Redirect = (description: string) => Type.Null({ description });

/**
 * Single sign-on routes (SPEC §2). They are public: a browser follows them before it has a session.
 * Without LINKWIRE_OIDC_* they answer 404, and /api/auth/oidc says single sign-on is off.
 */
export function ssoRoutes(sso: SsoService | null, options: { baseUrl: string }) {
  const secure = options.baseUrl.startsWith('https:');
  const origin = new URL(options.baseUrl).origin;
  const required = (): SsoService => {
    if (!sso) throw new AppError('NOT_FOUND', 'Single sign-on is not configured on this Linkwire (LINKWIRE_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET)');
    return sso;
  };

  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      '/api/auth/oidc',
      { schema: { summary: 'Whether single sign-on is on, and the provider’s name (the login page asks)', response: { 200: SsoStatus } }, config: { public: true } },
      async () => (sso ? { enabled: true, provider_name: sso.providerName, start_url: '/api/auth/oidc/start' } : { enabled: false, provider_name: null, start_url: null }),
    );

    r.get(
      '/api/auth/oidc/start',
      {
        schema: {
          summary: 'Start single sign-on: 302 to the OpenID provider (authorization code flow with PKCE, state and nonce)',
          querystring: StartQuery,
          response: { 302: Redirect('To the provider’s authorization endpoint; sets the short-lived lw_oidc cookie'), ...errors(404, 503) },
        },
        config: { public: true },
      },
      async (request, reply) => {
        let started: Awaited<ReturnType<SsoService['begin']>>;
        try {
          started = await required().begin(sameOriginPath(request.query.next, origin));
        } catch (err) {
          // A person followed the button: a provider that is down is said on a page, not in JSON.
          if (err instanceof AppError && wantsPage(request)) return sendErrorPage(reply, err);
          throw err;
        }
        const { flowSecret, authorizationUrl } = started;
        const cookie = [`${FLOW_COOKIE}=${flowSecret}`, `Path=${FLOW_COOKIE_PATH}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${SSO_FLOW_TTL_MS / 1000}`];
        if (secure) cookie.push('Secure');
        return reply.header('set-cookie', cookie.join('; ')).header('cache-control', 'no-store').redirect(authorizationUrl.href, 302);
      },
    );

    r.get(
      '/api/auth/oidc/callback',
      {
        schema: {
          summary: 'Where the provider sends the browser back: signs in the user with that verified email, then 302 to the dashboard',
          description:
            'A wrong or missing state, a wrong nonce, an unverified email or an expired sign-in answers 400 or 401 with the reason and opens no session (a browser gets the reason as a page). ' +
            'A new user with no invitation joins the workspaces that take their email domain (settings.sso_auto_join_domains) as a viewer, else gets a workspace of their own; with signup closed, 403.',
          querystring: Type.Object({}, { additionalProperties: true }),
          response: { 302: Redirect('To the dashboard (the `next` page of the start, else /), with the session cookie'), ...errors(400, 401, 403, 404, 409, 503) },
        },
        config: { public: true },
      },
      async (request, reply) => {
        const service = required();
        // Whatever happens, this sign-in is over: the browser forgets its half.
        const clear = `${FLOW_COOKIE}=; Path=${FLOW_COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`;
        try {
          const session = await service.finish(parseCookies(request.headers.cookie)[FLOW_COOKIE], new URL(request.url, origin).searchParams);
          return reply
            .header('set-cookie', [clear, sessionCookie(session.token, secure)])
            .header('cache-control', 'no-store')
            .redirect(session.next ?? '/', 302);
        } catch (err) {
          void reply.header('set-cookie', clear);
          if (err instanceof AppError && wantsPage(request)) return sendErrorPage(reply, err);
          throw err;
        }
      },
    );
  };
}

function wantsPage(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** A refused sign-in as a page a person can read, with the way back to the login page. */
function sendErrorPage(reply: FastifyReply, err: AppError): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign-in refused · Linkwire</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem"><main><h1>Sign-in refused</h1><p role="alert">${escapeHtml(err.message)}</p><p><a href="/login">Back to log in</a></p></main></body></html>`;
  return reply.status(err.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

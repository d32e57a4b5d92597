import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, validationError } from '../errors.js';
import { parseCookies, principalOf, requireRole } from '../http/auth.js';
import { LoginBody, SignupBody, UpdateWorkspaceBody } from './account-schema.js';
import type { AccountsService } from './accounts-service.js';
import { SESSION_COOKIE } from './tokens.js';
import { ref } from '../openapi/components.js';
import { errors, NoContent } from '../openapi/refs.js';

export interface LoginFailureHook {
  (input: { userId: string | null; email: string; ip: string; userAgent: string | null }): Promise<void>;
}

// Login may pick which of the user's workspaces the session opens (members of several need this), and
// carries the two-factor code once the first answer asked for it.
const LoginWithWorkspaceBody = Type.Object(
  {
    ...LoginBody.properties,
    workspace_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    code: Type.Optional(Type.String({ maxLength: 64, description: 'With two-factor sign-in on: the authenticator’s 6-digit code, or a recovery code' })),
  },
  { additionalProperties: false },
);

const SignupResult = Type.Object({
  user: ref('User'),
  workspace: ref('Workspace'),
  api_key: Type.String({ description: 'The API key itself; shown only in this answer' }),
});
const LoginResult = Type.Object({ user_id: Type.String(), workspace_id: Type.String() });
const TokenPasswordBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'The token at the end of the mailed link' }),
    password: Type.String({ minLength: 8, maxLength: 200 }),
  },
  { additionalProperties: false },
);
const ForgotPasswordBody = Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }) }, { additionalProperties: false });
const Accepted = Type.Object({ message: Type.String() });

export function accountRoutes(accounts: AccountsService, onLoginFailed: LoginFailureHook, secureCookies: boolean) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/auth/signup', { schema: { summary: 'Create an account, its workspace and a first API key', body: SignupBody, response: { 201: SignupResult, ...errors(400, 403, 409) } }, config: { public: true } }, async (request, reply) => {
      const result = await accounts.signup(request.body, { ip: request.ip });
      return reply.status(201).send(result);
    });

    r.post('/api/auth/login', { schema: { summary: 'Open a dashboard session (sets the session cookie)', body: LoginWithWorkspaceBody, response: { 200: LoginResult, ...errors(400, 401, 403, 429) } }, config: { public: true } }, async (request, reply) => {
      const result = await accounts.login(request.body, { ip: request.ip });
      if ('retryAfterMs' in result) {
        const seconds = Math.ceil(result.retryAfterMs / 1000);
        void reply.header('retry-after', String(seconds));
        throw new AppError('RATE_LIMITED', `Too many failed logins; try again in ${seconds} s`, { retry_after_s: seconds });
      }
      if ('twoFactorRequired' in result) {
        throw new AppError('TWO_FACTOR_REQUIRED', 'Enter the code from your authenticator app (or a recovery code) to sign in', { field: 'code' });
      }
      if (!('token' in result)) {
        await onLoginFailed({
          userId: result.failedUserId,
          email: request.body.email,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (result.wrongCode) throw new AppError('UNAUTHORIZED', 'That two-factor code is wrong or was already used', { field: 'code' });
        throw new AppError('UNAUTHORIZED', 'Email or password is wrong');
      }
      setSessionCookie(reply, result.token);
      if (result.twoFactorSetupRequired) {
        // Signed in, but only to set two-factor up: the session answers nothing else until it is on.
        throw new AppError('TWO_FACTOR_SETUP_REQUIRED', 'This workspace requires two-factor sign-in: set it up to continue (POST /api/auth/2fa/setup)', {
          user_id: result.userId,
          workspace_id: result.workspaceId,
        });
      }
      return { user_id: result.userId, workspace_id: result.workspaceId };
    });

    const setSessionCookie = (reply: FastifyReply, token: string) => {
      const cookie = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${30 * 86_400}`];
      if (secureCookies) cookie.push('Secure');
      void reply.header('set-cookie', cookie.join('; '));
    };

    r.post(
      '/api/auth/accept-invite',
      {
        schema: {
          summary: 'Accept an invitation: set a password (or confirm yours) and join; opens a session',
          body: TokenPasswordBody,
          response: { 200: LoginResult, ...errors(400, 401, 409, 429) },
        },
        config: { public: true },
      },
      async (request, reply) => {
        const result = await accounts.acceptInvite(request.body, { ip: request.ip });
        setSessionCookie(reply, result.token);
        return { user_id: result.userId, workspace_id: result.workspaceId };
      },
    );

    r.post(
      '/api/auth/forgot-password',
      { schema: { summary: 'Mail a password reset link (202 whether or not the address has an account)', body: ForgotPasswordBody, response: { 202: Accepted, ...errors(400, 429) } }, config: { public: true } },
      async (request, reply) => {
        await accounts.forgotPassword(request.body, { ip: request.ip });
        return reply.status(202).send({ message: 'If an account has this address, a link to reset its password is on its way' });
      },
    );

    r.post(
      '/api/auth/reset-password',
      {
        schema: { summary: 'Set a new password with a reset link; ends every other session of the user', body: TokenPasswordBody, response: { 204: NoContent, ...errors(400, 429) } },
        config: { public: true },
      },
      async (request, reply) => {
        await accounts.resetPassword(request.body, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          sessionToken: parseCookies(request.headers.cookie)[SESSION_COOKIE],
        });
        return reply.status(204).send(null);
      },
    );

    // Public (an expired session may still log out), but a cookie-carrying logout must come from our
    // own pages like every cookie-authenticated write: another site must not log a visitor out.
    r.post('/api/auth/logout', { schema: { summary: 'End the dashboard session', response: { 204: NoContent, ...errors(403) } }, config: { public: true, sameOriginWithCookie: true } }, async (request, reply) => {
      const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
      if (token) await accounts.logout(token);
      void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
      return reply.status(204).send(null);
    });

    r.get(
      '/api/auth/session',
      {
        config: { public: true, optionalAuth: true },
        schema: {
          summary: 'Whether the caller is logged in, and their workspaces (answers anonymous callers too)',
          response: {
            200: Type.Object({
              authenticated: Type.Boolean(),
              via: Type.Union([Type.Literal('session'), Type.Literal('api_key'), Type.Null()]),
              user_id: Type.Union([Type.String(), Type.Null()], { description: 'The signed-in user (null when anonymous, or for a key made outside a session)' }),
              workspaces: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), current: Type.Boolean() })),
              two_factor_setup_required: Type.Boolean({ description: 'The current workspace requires two-factor sign-in and this user has not set it up: only the setup works' }),
            }),
          },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (!principal) return { authenticated: false, via: null, user_id: null, workspaces: [], two_factor_setup_required: false };
        const list = principal.userId ? await accounts.workspacesOf(principal.userId) : [];
        return {
          authenticated: true,
          via: principal.via,
          user_id: principal.userId,
          workspaces: list.map((w) => ({ ...w, current: w.id === principal.workspaceId })),
          two_factor_setup_required: principal.twoFactorSetupRequired === true,
        };
      },
    );

    r.get(
      '/api/auth/workspaces',
      { config: { twoFactorSetup: true }, schema: { summary: 'The caller’s workspaces', response: { 200: Type.Object({ data: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), current: Type.Boolean() })) }) } } },
      async (request) => {
        const principal = principalOf(request);
        if (!principal.userId) return { data: [] };
        const list = await accounts.workspacesOf(principal.userId);
        return { data: list.map((w) => ({ ...w, current: w.id === principal.workspaceId })) };
      },
    );

    r.post(
      '/api/auth/switch-workspace',
      { config: { twoFactorSetup: true }, schema: { summary: 'Point the dashboard session at another of the user’s workspaces', body: Type.Object({ workspace_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: { 204: NoContent, ...errors(400, 403) } } },
      async (request, reply) => {
        const principal = principalOf(request);
        const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
        if (principal.via !== 'session' || !token || !principal.userId) throw new AppError('FORBIDDEN', 'Only a dashboard session can switch workspaces; an API key belongs to one');
        await accounts.switchWorkspace(token, principal.userId, request.body.workspace_id);
        return reply.status(204).send(null);
      },
    );

    r.get('/api/workspace', { schema: { summary: 'The caller’s workspace', response: { 200: ref('Workspace') } } }, async (request) => accounts.getWorkspace(principalOf(request).workspaceId));

    r.patch('/api/workspace', { schema: { summary: 'Rename, change settings or (operators only) the plan', body: UpdateWorkspaceBody, response: { 200: ref('Workspace'), ...errors(400, 403) } } }, async (request) => {
      const principal = requireRole(request, 'owner', 'admin');
      const require2fa = request.body.settings?.require_2fa;
      if (require2fa !== undefined && principal.role !== 'owner') throw new AppError('FORBIDDEN', 'Only an owner can require two-factor sign-in for the workspace');
      // An owner who turned it on without it would be locked out of everything but the setup page.
      if (require2fa === true && !(principal.userId && (await accounts.twoFactor.isEnabled(principal.userId)))) {
        throw validationError('Turn on two-factor sign-in for your own account first (Security page), then require it of the workspace', { field: 'settings.require_2fa' });
      }
      // Plans are the operators' to give: otherwise plan limits would limit nothing. An API key acts as its creator.
      if (request.body.plan !== undefined && !(await accounts.isOperator(principal.userId))) {
        throw new AppError('FORBIDDEN', "Only the instance's operators (LINKWIRE_ADMIN_EMAILS) can change a workspace's plan");
      }
      // Who may join by email domain through single sign-on is the operators' call too: a workspace
      // admin must not be able to pull everyone at a domain into their workspace.
      if (request.body.settings?.sso_auto_join_domains !== undefined && !(await accounts.isOperator(principal.userId))) {
        throw new AppError('FORBIDDEN', "Only the instance's operators (LINKWIRE_ADMIN_EMAILS) can change settings.sso_auto_join_domains");
      }
      return accounts.updateWorkspace(principal.workspaceId, request.body);
    });
  };
}

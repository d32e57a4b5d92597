import type { FastifyInstance } from 'fastify';
import { installAccessPolicy } from '../api-keys/access-policy.js';
import { SESSION_COOKIE } from '../accounts/tokens.js';
import { assertTwoFactorSetUp, createAuthenticator, installActorContext } from '../http/auth.js';
import { installControlCharacterCheck } from '../http/control-characters.js';
import { assertSameOriginWrite } from '../http/cross-site.js';
import { installErrorHandler } from '../http/error-handler.js';
import { installJsonBodyParser } from '../http/json-body.js';
import { installValidators } from '../http/validation.js';
import { installOpenApi } from '../openapi/document.js';
import type { AppContext } from './context.js';

/** What a route may say about its callers in its `config`. */
interface RouteAccess {
  public?: boolean;
  optionalAuth?: boolean;
  sameOriginWithCookie?: boolean;
  twoFactorSetup?: boolean;
}

/**
 * Everything a request to Fastify passes before its handler, the same in every role: schema
 * validation, the error envelope, JSON bodies, control characters, the OpenAPI document (served
 * by the api role), then who is calling `/api/…` and what they may do.
 */
export async function installRequestPipeline(fastify: FastifyInstance, { config, storage, clock }: Pick<AppContext, 'config' | 'storage' | 'clock'>): Promise<void> {
  installValidators(fastify);
  installErrorHandler(fastify);
  installJsonBodyParser(fastify);
  installControlCharacterCheck(fastify);
  await installOpenApi(fastify, { serve: config.roles.has('api') });

  const authenticate = createAuthenticator(storage, clock);
  fastify.decorateRequest('principal', null);
  fastify.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const routeConfig = request.routeOptions.config as RouteAccess | undefined;
    if (routeConfig?.optionalAuth) {
      // Answers anonymous callers too (the dashboard asks "am I logged in?" without a 401 in the console).
      request.principal = await authenticate(request).catch(() => null);
      return;
    }
    if (routeConfig?.public) {
      if (routeConfig.sameOriginWithCookie && request.headers.cookie?.includes(SESSION_COOKIE)) assertSameOriginWrite(request, config.baseUrl);
      return;
    }
    request.principal = await authenticate(request);
    if (request.principal.via === 'session') assertSameOriginWrite(request, config.baseUrl);
    assertTwoFactorSetUp(request.principal, routeConfig);
  });
  installAccessPolicy(fastify);
  installActorContext(fastify);
}

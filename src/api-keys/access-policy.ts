import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { isReadMethod, requiredScope, scopesCover } from './scopes.js';

/** Route config flag: members (the read-only role) may call this write route; the handler narrows it. */
export interface AccessRouteConfig {
  membersMayWrite?: boolean;
}

/**
 * The one place where roles and key scopes gate the API, keyed by method and route pattern:
 * members only read; a scoped key only reaches the routes its scopes cover. Runs after
 * authentication and before body validation, so a refusal never depends on the body.
 */
export function installAccessPolicy(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const principal = request.principal;
    const route = request.routeOptions.url;
    if (!principal || !route) return;
    if (principal.scopes.length > 0) {
      const needed = requiredScope(request.method, route);
      if (!needed || !scopesCover(principal.scopes, needed)) {
        throw new AppError(
          'FORBIDDEN',
          needed
            ? `This API key lacks the ${needed} scope needed for ${request.method} ${route}`
            : `This API key's scopes do not cover ${request.method} ${route}`,
          { required_scope: needed, scopes: [...principal.scopes] },
        );
      }
    }
    const config = request.routeOptions.config as AccessRouteConfig | undefined;
    if (principal.role === 'member' && !isReadMethod(request.method) && !config?.membersMayWrite) {
      throw new AppError('FORBIDDEN', 'Members have read-only access; an owner or admin can do this');
    }
  });
}

import type { FastifyInstance } from 'fastify';
import { can, refusal } from '../accounts/permissions.js';
import { AppError } from '../errors.js';
import { isReadMethod, requiredScope, scopesCover } from './scopes.js';

/** Route config flag: any role may call this write route (leaving a workspace); the handler narrows it. */
export interface AccessRouteConfig {
  anyRoleMayWrite?: boolean;
}

/**
 * The one place where roles and key scopes gate the API, keyed by method and route pattern: the
 * route's permission (`<area>:<read|write>`, src/api-keys/scopes.ts) is checked against the
 * permission table (src/accounts/permissions.ts) for the caller's role, and a scoped key only
 * reaches the routes its scopes cover. Runs after authentication and before body validation, so a
 * refusal never depends on the body.
 */
export function installAccessPolicy(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const principal = request.principal;
    const route = request.routeOptions.url;
    if (!principal || !route) return;
    const needed = requiredScope(request.method, route);
    if (principal.scopes.length > 0) {
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
    if (needed && !can(principal.role, needed) && !(config?.anyRoleMayWrite && !isReadMethod(request.method))) {
      throw new AppError('FORBIDDEN', refusal(principal.role, needed), { required_permission: needed, role: principal.role });
    }
  });
}

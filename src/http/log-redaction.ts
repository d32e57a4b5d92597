import type { FastifyRequest } from 'fastify';

/**
 * Invitation and reset links carry their token in the path (`/invite/<token>`, `/reset/<token>`),
 * and the single sign-on callback its authorization code in the query: request logs show those
 * URLs with the secret part cut out, so a log never holds a usable link or code.
 */
export function redactTokenPaths(url: string): string {
  return url.replace(/^\/(invite|reset)\/[^?#]*/, '/$1/[redacted]').replace(/^(\/api\/auth\/oidc\/callback)\?.*/, '$1?[redacted]');
}

/** Fastify's default request serializer, with the URL redacted. */
export function requestLogSerializer(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactTokenPaths(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

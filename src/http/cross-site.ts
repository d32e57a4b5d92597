import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A browser attaches the session cookie to requests another site makes it send (a form, a
 * body-less fetch), so a cookie-authenticated write must prove it comes from our own pages:
 * `Sec-Fetch-Site: same-origin` (or `none`: typed by the user), or an `Origin` naming this host
 * or LINKWIRE_BASE_URL. API-key requests carry their credential explicitly and are not affected.
 */
export function assertSameOriginWrite(request: FastifyRequest, baseUrl: string): void {
  if (!WRITES.has(request.method)) return;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'same-origin' || fetchSite === 'none') return;
  const origin = request.headers.origin;
  if (fetchSite === undefined && origin && isOwnOrigin(origin, request.headers.host, baseUrl)) return;
  throw new AppError(
    'FORBIDDEN',
    origin
      ? `Cross-site request refused: Origin ${origin} is not this site. Cookie-authenticated changes must come from the dashboard; scripts use an API key`
      : 'Cross-site request refused: a cookie-authenticated change needs an Origin or Sec-Fetch-Site header from the dashboard; scripts use an API key',
  );
}

function isOwnOrigin(origin: string, host: string | undefined, baseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes "null" (sandboxed frames, file:)
  }
  if (host !== undefined && url.host === host.toLowerCase()) return true;
  return url.origin === new URL(baseUrl).origin;
}

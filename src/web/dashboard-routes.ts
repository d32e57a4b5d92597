import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { BuiltFile, DashboardFiles } from './dashboard-files.js';

/**
 * The client-side routes the SPA answers. Explicit on purpose: a catch-all would turn API 404s
 * into HTML and swallow short links. Every first segment here is a reserved slug
 * (src/links/slugs.ts), so the redirect never sees these paths.
 */
export const DASHBOARD_ROUTES = ['/', '/login', '/signup', '/links', '/links/*', '/settings', '/settings/*', '/invite/*', '/reset/*', '/forgot-password'] as const;

/**
 * No inline script or style; everything from this origin. uPlot and Preact set styles through
 * the CSSOM (element.style), which `style-src 'self'` allows. Images: the QR PNG comes from the API;
 * `blob:` is for CSV export downloads.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

function send(request: FastifyRequest, reply: FastifyReply, file: BuiltFile, cacheControl: string) {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  void reply.headers(SECURITY_HEADERS).header('cache-control', cacheControl).header('content-type', file.type).header('vary', 'accept-encoding');
  if (file.brotli && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(file.brotli);
  if (file.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.raw);
}

/** Serves the built dashboard: index.html on the client routes (never cached), hashed assets cached for a year. */
export function dashboardRoutes(files: DashboardFiles | null) {
  return (app: FastifyInstance): void => {
    const notBuilt = () => new AppError('NOT_FOUND', 'The dashboard is not built: run `npm run build`');
    for (const path of DASHBOARD_ROUTES) {
      // hide: pages, not API — kept out of /openapi.json.
      app.get(path, { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
        if (!files) throw notBuilt();
        return send(request, reply, files.index, 'no-cache');
      });
    }
    app.get('/assets/:file', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
      const name = (request.params as { file: string }).file;
      const file = files?.assets.get(name);
      if (!file) throw new AppError('NOT_FOUND', `No asset ${name}`);
      return send(request, reply, file, 'public, max-age=31536000, immutable');
    });
  };
}

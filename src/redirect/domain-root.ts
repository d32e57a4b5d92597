import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DomainDirectory } from './domain-directory.js';

/**
 * `/` on a verified custom domain. Visitors there came for short links, not for the dashboard's
 * log-in page: they are sent to LINKWIRE_ROOT_URL (the operator's site, like Shlink's
 * DEFAULT_BASE_URL_REDIRECT or Dub's per-domain landing page), or get a plain 404 when it is not
 * set. The default domain's `/` stays the dashboard.
 *
 * Returns false for every other request (it is not handled here).
 */
export function createDomainRootHandler(deps: {
  domains: DomainDirectory;
  defaultDomain: string;
  rootUrl: string | null;
  /** The 404 of a root with no root URL: an orphan visit (src/clicks/orphan-visits.ts); must not wait. */
  onRootNotFound?: (req: IncomingMessage, domain: string) => void;
}) {
  const { domains, defaultDomain, rootUrl } = deps;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    if (url !== '/' && !url.startsWith('/?')) return false;
    const domain = domains.resolve(req.headers.host);
    if (domain === defaultDomain) return false;
    if (rootUrl) {
      res.writeHead(302, { location: rootUrl, 'cache-control': 'private, no-store' });
      res.end();
    } else {
      deps.onRootNotFound?.(req, domain);
      const text = 'Not found: this domain serves short links only';
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'private, no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    }
    return true;
  };
}

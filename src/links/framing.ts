/**
 * Whether a page may be shown inside another site's frame, read from its response headers
 * (`X-Frame-Options` and the `frame-ancestors` directive of `Content-Security-Policy`): the
 * question a cloaked link (a short URL that serves its destination in a full-page frame) must
 * answer before it is saved. Pure: the fetching lives in framing-check.ts.
 *
 * `frameOrigin` is the origin of the page that would hold the frame (the short URL's).
 * Returns why framing is refused, or null when it is allowed.
 */
export function framingRefusal(headers: Readonly<Record<string, string>>, frameOrigin: string): string | null {
  const xfo = headers['x-frame-options'];
  if (xfo !== undefined) {
    // Repeated headers arrive joined with ", "; any DENY or SAMEORIGIN forbids us (we are never its origin).
    const values = xfo.split(',').map((v) => v.trim().toUpperCase());
    const forbidding = values.find((v) => v === 'DENY' || v === 'SAMEORIGIN');
    if (forbidding) return `it sends X-Frame-Options: ${forbidding}`;
  }
  const csp = headers['content-security-policy'];
  if (csp !== undefined) {
    // Several policies (repeated headers) all apply: any one that excludes us forbids framing.
    for (const directive of csp.split(/[;,]/)) {
      const [name, ...sources] = directive.trim().split(/\s+/);
      if (name?.toLowerCase() !== 'frame-ancestors') continue;
      if (!sources.some((s) => sourceMatches(s, frameOrigin))) return `its Content-Security-Policy says frame-ancestors ${sources.join(' ') || "'none'"}`;
    }
  }
  return null;
}

/** CSP source-expression matching, as far as frame-ancestors needs it (scheme, host with `*.`, port). */
function sourceMatches(source: string, frameOrigin: string): boolean {
  const origin = new URL(frameOrigin);
  const s = source.toLowerCase();
  if (s === '*') return true;
  if (s === "'none'" || s === "'self'" || s.startsWith("'")) return false;
  if (/^[a-z][a-z0-9+.-]*:$/.test(s)) return s === origin.protocol || (s === 'http:' && origin.protocol === 'https:');
  const match = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^/:]+|\*)(?::(\d+|\*))?(?:\/.*)?$/.exec(s);
  if (!match) return false;
  const [, scheme, wildcard, host, port] = match;
  if (scheme && scheme !== origin.protocol.slice(0, -1) && !(scheme === 'http' && origin.protocol === 'https:')) return false;
  const hostname = origin.hostname.toLowerCase();
  const hostOk = host === '*' || (wildcard ? hostname.endsWith(`.${host!}`) : hostname === host);
  if (!hostOk) return false;
  const defaultPort = origin.protocol === 'https:' ? '443' : '80';
  return port === '*' || (port ?? defaultPort) === (origin.port || defaultPort);
}

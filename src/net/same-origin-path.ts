/**
 * Where to go after signing in: `next` (the dashboard's /login?next=…, the SSO start's `next`) when it
 * names a page of this origin, else null. One rule for the dashboard and the server: `next` is
 * resolved the way a browser would, so whatever a browser would take for another host
 * (`//evil.example`, `/\evil.example`, `/\t/evil.example`, a scheme) is refused, not only what a
 * prefix check thinks of. No imports: the dashboard bundles it as it is.
 */
export function sameOriginPath(next: string | undefined, origin: string): string | null {
  if (!next?.startsWith('/')) return null;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

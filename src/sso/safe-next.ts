/**
 * Where to go after signing in: `next` when it names a page of this origin, else null. The same rule
 * as the dashboard's (dashboard/src/safe-next.ts): `next` is resolved the way a browser would, so
 * whatever a browser would take for another host (`//evil.example`, `/\evil.example`, a scheme) is
 * refused, not only what a prefix check thinks of.
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

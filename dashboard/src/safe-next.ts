/**
 * Where to go after logging in: `next` (from /login?next=…) when it names a page of this origin,
 * else null. It is resolved the way the browser would resolve it, so whatever the browser would
 * take for another host (`//evil.example`, `/\evil.example`, `/\t/evil.example`, a scheme) is refused,
 * not only what a prefix check thinks of.
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

/** `https://www.News.example.com/a?b` → `news.example.com`; null for missing, invalid or non-http(s). */
export function referrerDomain(referrer: string | undefined | null): string | null {
  if (!referrer) return null;
  let url: URL;
  try {
    url = new URL(referrer.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // URL has already lower-cased and punycoded the host; a trailing dot is the same host.
  const host = url.hostname.replace(/\.$/, '');
  const domain = host.startsWith('www.') ? host.slice(4) : host;
  return domain === '' ? null : domain;
}

/**
 * What one link may hold and what one click keeps. Every click event embeds the link and the
 * click, so these bound the size of every event, delivery and database row a visit produces
 * (docs/links.md lists them).
 */
export const LINK_LIMITS = Object.freeze({
  /** Characters of a destination URL after normalisation (percent-encoding can triple it). */
  urlLength: 2048,
  rules: 20,
  matchesPerRule: 50,
  tags: 25,
  /** Bytes of the link's stored fields as JSON (URLs, rules, tags, texts), all together. */
  totalBytes: 16 * 1024,
});

export const CLICK_LIMITS = Object.freeze({
  /** Longer values are cut to this many characters. */
  userAgent: 512,
  referrer: 1024,
  destination: 4096,
  /** Only the first `params` query parameters are kept; longer keys and values are cut. */
  params: 20,
  paramKey: 64,
  paramValue: 256,
});

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

export function truncateOrNull(text: string | null | undefined, max: number): string | null {
  return text == null ? null : truncate(text, max);
}

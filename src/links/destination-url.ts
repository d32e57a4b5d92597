/**
 * Destination URLs are stored in the one spelling that can go into a `Location` header as is:
 * the WHATWG serialisation (punycode host, percent-encoded path, query and fragment). Text a
 * user could not have meant (control characters, whitespace) is refused rather than guessed at.
 */
export type DestinationResult = { ok: true; url: string } | { ok: false; message: string };

// C0 and C1 controls, DEL, and every Unicode space (incl. NBSP, line/paragraph separators, BOM).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\s\ufeff]/u;

export function normaliseDestination(text: string): DestinationResult {
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, message: `must not contain whitespace or control characters (found U+${code} at position ${bad.index}); percent-encode it` };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'must be an absolute http(s) URL' };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname.length === 0) {
    return { ok: false, message: 'must be an absolute http(s) URL' };
  }
  return { ok: true, url: url.href };
}

/**
 * A cloaked link's answer (SPEC §5b `cloaking`): a small page whose only content is the
 * destination in a full-page frame, so the address bar keeps showing the short URL. Every value
 * is HTML-escaped and the page's own policy allows nothing but that frame and its inline style
 * (no script runs in it, so a title or URL can never become code).
 */
export function renderCloakedPage(title: string, destination: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>html,body,iframe{margin:0;padding:0;border:0;width:100%;height:100%;overflow:hidden;display:block}</style>',
    '</head><body>',
    `<iframe src="${escapeHtml(destination)}" title="${escapeHtml(title)}" allow="fullscreen" referrerpolicy="strict-origin-when-cross-origin"></iframe>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** The page's policy: only the frame (http or https, as destinations are) and the inline style. */
export const CLOAKED_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src http: https:; base-uri 'none'; form-action 'none'";

/** Destinations are http(s) (links/destination-url.ts); anything else is never put in a frame. */
export function isFrameable(destination: string): boolean {
  return destination.startsWith('https://') || destination.startsWith('http://');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

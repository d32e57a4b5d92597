import type { Link } from '../links/link-schema.js';

/**
 * Link-preview fetchers of chat apps and social networks. They get the link's Open Graph page
 * instead of the redirect (and are not counted); people and other bots still get the 302.
 */
const UNFURLERS =
  /twitterbot|slackbot|slack-imgproxy|facebookexternalhit|facebookcatalog|linkedinbot|discordbot|whatsapp|telegrambot|applebot|pinterest|redditbot|skypeuripreview|microsoft preview|embedly|iframely|mastodon|bluesky|cardyb|vkshare|snapchat|viber|line-poker|kakaotalk-scrap|zoominfobot|google-pagerenderer/i;

export function isUnfurler(userAgent: string | undefined): boolean {
  return userAgent !== undefined && UNFURLERS.test(userAgent);
}

export function hasOpenGraph(link: Pick<Link, 'og_title' | 'og_description'>): boolean {
  return Boolean(link.og_title || link.og_description);
}

/** A small page carrying the link's Open Graph tags; every value is HTML-escaped. */
export function renderOgPage(link: Pick<Link, 'og_title' | 'og_description' | 'short_url' | 'url'>): string {
  const title = link.og_title ?? link.short_url;
  const lines = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<meta property="og:title" content="${escapeHtml(title)}">`,
    ...(link.og_description ? [`<meta property="og:description" content="${escapeHtml(link.og_description)}">`, `<meta name="description" content="${escapeHtml(link.og_description)}">`] : []),
    `<meta property="og:url" content="${escapeHtml(link.short_url)}">`,
    '<meta property="og:type" content="website">',
    '<meta name="twitter:card" content="summary">',
    `<meta http-equiv="refresh" content="0; url=${escapeHtml(link.url)}">`,
    '</head><body></body></html>',
  ];
  return `${lines.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

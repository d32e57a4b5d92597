import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PublicStats } from '../analytics/public-stats.js';
import type { CachedLink } from './cached-link.js';
import type { DomainDirectory } from './domain-directory.js';
import type { LinkCache } from './link-cache.js';

/** How long a rendered page is reused, here and by browsers and proxies (Cache-Control). */
export const PUBLIC_STATS_TTL_S = 60;
/** Rendered pages kept at most; the oldest goes first. */
const MAX_PAGES = 1_000;

const STYLE = [
  'body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:760px;padding:16px;color:#1f2328;background:#fff}',
  'h1{font-size:1.3rem;margin:0 0 4px;overflow-wrap:anywhere}h2{font-size:1rem;margin:20px 0 6px}',
  '.muted{color:#59636e}.total{font-size:2rem;font-weight:600;margin:8px 0}',
  'svg{width:100%;height:auto;display:block}rect{fill:#3b5bdb}',
  '.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:0 24px}',
  'table{width:100%;border-collapse:collapse}td{padding:3px 0;border-bottom:1px solid #eee;overflow-wrap:anywhere}td.n{text-align:right;padding-left:12px;white-space:nowrap}',
].join('');

/**
 * Nothing runs on the page: no script at all, and the one style block allowed by its hash, so no
 * value shown (a referrer domain, a city, a slug) can become code or style even if escaping failed.
 */
export const PUBLIC_STATS_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface PublicStatsDeps {
  cache: LinkCache;
  domains: DomainDirectory;
  /** The figures of a link whose stats are public (src/analytics/public-stats.ts). */
  load(link: CachedLink): Promise<PublicStats>;
  now?: () => number;
}

/**
 * `GET|HEAD /<slug>+`: the public stats page of a link with `public_analytics` (SPEC §3b). Never a
 * click: nothing is recorded. A link that is not public (or disabled, or unknown) is a plain 404,
 * so the page does not tell whether a private link exists. Pages are rendered at most once a
 * minute per link: a popular public page costs the database one analytics query a minute.
 */
export function createPublicStatsHandler(deps: PublicStatsDeps) {
  const now = deps.now ?? Date.now;
  const pages = new Map<string, { html: Promise<string>; until: number }>();

  function pageOf(link: CachedLink): Promise<string> {
    const at = now();
    const cached = pages.get(link.id);
    if (cached && cached.until > at) return cached.html;
    if (cached) pages.delete(link.id);
    if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value!);
    const html = deps.load(link).then((stats) => renderPublicStatsPage(link.api.short_url, stats));
    pages.set(link.id, { html, until: at + PUBLIC_STATS_TTL_S * 1000 });
    // A failed load is not kept: the next visitor tries again.
    html.catch(() => {
      if (pages.get(link.id)?.html === html) pages.delete(link.id);
    });
    return html;
  }

  return async (req: IncomingMessage, res: ServerResponse, slug: string): Promise<void> => {
    const domain = deps.domains.resolve(req.headers.host);
    const link = deps.cache.peek(domain, slug) ?? (await deps.cache.get(domain, slug));
    if (!link || !link.enabled || !link.api.public_analytics) {
      res.writeHead(404, ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'private, no-store', 'x-content-type-options', 'nosniff']);
      res.end(req.method === 'HEAD' ? undefined : 'Not found');
      return;
    }
    const html = await pageOf(link);
    res.writeHead(200, [
      'content-type', 'text/html; charset=utf-8',
      'content-length', Buffer.byteLength(html),
      'cache-control', `public, max-age=${PUBLIC_STATS_TTL_S}`,
      'content-security-policy', PUBLIC_STATS_CSP,
      'x-content-type-options', 'nosniff',
      'x-frame-options', 'DENY',
      'referrer-policy', 'no-referrer',
    ]);
    res.end(req.method === 'HEAD' ? undefined : html);
  };
}

/** The page: every value escaped; the chart is plain SVG (no script). */
export function renderPublicStatsPage(shortUrl: string, stats: PublicStats): string {
  const list = (title: string, rows: { label: string; clicks: number }[]) =>
    `<section><h2>${escapeHtml(title)}</h2>` +
    (rows.length === 0
      ? '<p class="muted">No clicks yet</p>'
      : `<table><tbody>${rows.map((r) => `<tr><td>${escapeHtml(r.label)}</td><td class="n">${fmt(r.clicks)}</td></tr>`).join('')}</tbody></table>`) +
    '</section>';
  const named = (rows: { value: string | null; clicks: number }[], unknown: string) => rows.map((r) => ({ label: r.value ?? unknown, clicks: r.clicks }));
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>Stats for ${escapeHtml(shortUrl)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body><main>',
    `<h1>Stats for ${escapeHtml(shortUrl)}</h1>`,
    `<p class="muted">Clicks by people (bots excluded), ${escapeHtml(stats.firstDay)} to ${escapeHtml(stats.lastDay)}, days in ${escapeHtml(stats.timezone)}.</p>`,
    `<p class="total" id="total">${fmt(stats.total)} <span class="muted">clicks</span></p>`,
    seriesChart(stats.series),
    '<div class="grid">',
    list('Countries', named(stats.countries, 'Unknown')),
    list('Cities', stats.cities.map((c) => ({ label: c.country ? `${c.city}, ${c.country}` : c.city, clicks: c.clicks }))),
    list('Devices', named(stats.devices, 'Unknown')),
    list('Referrers', named(stats.referrers, 'Direct')),
    '</div>',
    '</main></body></html>',
    '',
  ].join('\n');
}

function seriesChart(series: PublicStats['series']): string {
  const width = 600;
  const height = 120;
  const max = Math.max(1, ...series.map((p) => p.clicks));
  const step = width / Math.max(1, series.length);
  const bars = series
    .map((p, i) => {
      const h = p.clicks === 0 ? 0 : Math.max(1, (p.clicks / max) * height);
      return `<rect x="${(i * step + 1).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(p.day)}: ${fmt(p.clicks)}</title></rect>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Clicks per day">${bars}</svg>`;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

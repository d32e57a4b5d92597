import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import type { Clock } from '../runtime/clock.js';
import { toIso } from '../runtime/clock.js';
import type { Config } from '../config.js';
import type { Visit, VisitOutcome } from '../clicks/visit.js';
import type { Click } from '../clicks/click-schema.js';
import { clientIp } from '../clicks/client-ip.js';
import { isEuCountry, type GeoLookup } from '../clicks/geo.js';
import { referrerDomain } from '../clicks/referrer.js';
import type { UserAgentInfo } from '../clicks/user-agent.js';
import type { IdSource } from '../runtime/ids.js';
import { CLICK_LIMITS, truncate, truncateOrNull } from '../links/link-limits.js';
import { SLUG_PATTERN } from '../links/link-schema.js';
import { withClickId } from '../conversions/click-id-param.js';
import { isReservedSlug } from '../links/slugs.js';
import type { CachedLink } from './cached-link.js';
import { ClickJsonWriter } from './click-json.js';
import { buildDestination, pickDestination } from './destination.js';
import { CLOAKED_PAGE_CSP, isFrameable, renderCloakedPage } from './cloaked-page.js';
import { hasOpenGraph, isUnfurler, renderOgPage } from './og-page.js';
import type { DomainDirectory } from './domain-directory.js';
import type { LinkCache } from './link-cache.js';

const SLUG = new RegExp(SLUG_PATTERN);
/** What a visitor's client is asked to wait after a 503 (the database is restarting, typically). */
const RETRY_AFTER_S = '5';

export interface RedirectDeps {
  config: Config;
  clock: Clock;
  ids: IdSource;
  cache: LinkCache;
  domains: DomainDirectory;
  /** Makes a visit durable before the redirect answers (the click journal, or the database directly). */
  recorder: { record(visit: Visit): Promise<VisitOutcome> };
  geo: GeoLookup;
  parseUserAgent: (ua: string | undefined) => UserAgentInfo;
  random?: () => number;
  onError?: (err: unknown) => void;
  /** Every answer, once written: its status and how long it took (the redirect metrics). */
  onAnswered?: (status: number, seconds: number) => void;
  /** `/<slug>+`: the link's public stats page (src/redirect/public-stats-page.ts), never a click. */
  publicStats?: (req: IncomingMessage, res: ServerResponse, slug: string) => Promise<void>;
  /** A slug no link has on `domain` (answered 404): orphan visits (src/clicks/orphan-visits.ts); must not wait. */
  onUnknownSlug?: (req: IncomingMessage, domain: string, slug: string) => void;
}

/** The slug a request asks for, or null when the request is not a redirect (API, dashboard, …). */
export function redirectSlugOf(req: IncomingMessage): string | null {
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  const url = req.url ?? '/';
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  if (path.length < 2 || path.indexOf('/', 1) !== -1) return null;
  const slug = path.slice(1);
  const bare = slug.endsWith('+') ? slug.slice(0, -1) : slug; // `<slug>+`: its public stats page
  return SLUG.test(bare) && !isReservedSlug(bare) ? slug : null;
}

/**
 * The hot path, on plain node:http: no framework, one Map lookup for the link, enrichment from
 * in-memory tables, then one group-committed write shared with concurrent visits.
 */
export function createRedirectHandler(deps: RedirectDeps) {
  const { config, clock, cache, domains, recorder } = deps;
  const random = deps.random ?? Math.random;
  const clickJson = new ClickJsonWriter();

  function send(res: ServerResponse, status: number, location: string | null, text: string): void {
    // no-store: a cached redirect would skip counting (and rules) on the next visit. Headers as a
    // flat array: node:http writes them as given, without walking an object's keys.
    const headers: OutgoingHttpHeader[] = ['cache-control', 'private, no-store'];
    if (status === 503) headers.push('retry-after', RETRY_AFTER_S);
    if (location) headers.push('location', headerSafe(location));
    if (status !== 302) headers.push('content-type', 'text/plain; charset=utf-8', 'content-length', Buffer.byteLength(text));
    res.writeHead(status, headers);
    res.end(status === 302 || res.req.method === 'HEAD' ? undefined : text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, slug: string): Promise<void> {
    if (slug.endsWith('+')) return deps.publicStats ? deps.publicStats(req, res, slug.slice(0, -1)) : send(res, 404, null, 'Link not found');
    const domain = domains.resolve(req.headers.host);
    const link = cache.peek(domain, slug) ?? (await cache.get(domain, slug));
    if (!link) {
      deps.onUnknownSlug?.(req, domain, slug);
      return send(res, 404, null, 'Link not found');
    }
    // A disabled link is not there for visitors: the same 404, and nothing recorded or fired.
    if (!link.enabled) return send(res, 404, null, 'Link not found');

    const now = clock.now();
    const ip = clientIp(req, config.trustProxy);
    const excluded = link.excludedIps.has(ip);
    const counting = req.method === 'GET' && !excluded;

    if (link.expiresAt !== null && link.expiresAt <= now) {
      if (counting && !link.expiredNotified) {
        await recorder.record({ kind: 'expired', link: link.api });
        link.expiredNotified = true;
      }
      return link.expiredUrl ? send(res, 302, link.expiredUrl, '') : send(res, 410, null, 'This link has expired');
    }

    if (hasOpenGraph(link.api) && isUnfurler(req.headers['user-agent'])) {
      const html = renderOgPage(link.api);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'public, max-age=300' });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }

    const ua = deps.parseUserAgent(req.headers['user-agent']);
    const geo = geoOf(req, ip);
    const query = queryOf(req.url);

    if (link.geoBlock.size > 0 && geo.country !== null && link.geoBlock.has(geo.country)) {
      if (counting) await recorder.record({ kind: 'geo_blocked', link: link.api, click: buildClick(link, req, ip, ua, geo, query, link.url, now) });
      return send(res, 451, null, 'This link is not available in your country');
    }
    if (link.blockBots && ua.bot) return send(res, 403, null, 'Automated clients are not allowed for this link');
    if (link.limitReached) return send(res, 410, null, 'This link has reached its click limit');

    const target = buildDestination(pickDestination(link, { country: geo.country, device: ua.device, os: ua.os }, random), link, query);
    if (!counting || ua.crawler) return answer(res, link, target);

    const click = buildClick(link, req, ip, ua, geo, query, target, now);
    // Its JSON is the journal record's body and the event's `click`: written here, from cached parts.
    const visit: Visit = { kind: 'click', link: link.api, click, clickJson: clickJson.write(click, ua) };
    const outcome = await recorder.record(visit);
    if (outcome.status === 'limit_reached') {
      link.limitReached = true;
      return send(res, 410, null, 'This link has reached its click limit');
    }
    if (outcome.status === 'counted' && link.maxClicks !== null && outcome.clicks >= link.maxClicks) link.limitReached = true;
    // The id the click is recorded under, made before it was recorded: the shop gets it with the visitor.
    return answer(res, link, link.api.track_conversions ? withClickId(target, visit.click.id) : target);
  }

  /** The way to the destination: a 302, or for a cloaked link the page that frames it. */
  function answer(res: ServerResponse, link: CachedLink, target: string): void {
    if (!link.cloaking || !isFrameable(target)) return send(res, 302, target, '');
    const html = renderCloakedPage(link.api.title ?? link.api.short_url, target);
    res.writeHead(200, [
      'content-type', 'text/html; charset=utf-8',
      'content-length', Buffer.byteLength(html),
      'cache-control', 'private, no-store',
      'content-security-policy', CLOAKED_PAGE_CSP,
      'x-content-type-options', 'nosniff',
      'referrer-policy', 'strict-origin-when-cross-origin',
    ]);
    res.end(res.req.method === 'HEAD' ? undefined : html);
  }

  function geoOf(req: IncomingMessage, ip: string): { country: string | null; city: string | null } {
    if (config.geoHeader) {
      const header = req.headers[config.geoHeader];
      const value = Array.isArray(header) ? header[0] : header;
      if (value && /^[A-Za-z]{2}$/.test(value.trim())) return { country: value.trim().toUpperCase(), city: null };
    }
    return deps.geo.lookup(ip);
  }

  function buildClick(
    link: CachedLink,
    req: IncomingMessage,
    ip: string,
    ua: UserAgentInfo,
    geo: { country: string | null; city: string | null },
    query: URLSearchParams | null,
    destination: string,
    now: number,
  ): Click {
    // What a click keeps is bounded (docs/links.md): every event and delivery carries it.
    const referrerHeader = truncateOrNull(req.headers.referer, CLICK_LIMITS.referrer);
    // No prototype: a visitor's `constructor`, `toString` or `__proto__` is a parameter like any other.
    const params = Object.create(null) as Record<string, string>;
    let kept = 0;
    if (query) {
      for (const [k, v] of query) {
        if (kept >= CLICK_LIMITS.params) break;
        const key = truncate(k, CLICK_LIMITS.paramKey);
        if (key in params) continue;
        params[key] = truncate(v, CLICK_LIMITS.paramValue);
        kept++;
      }
    }
    return {
      id: deps.ids.next('clk'),
      timestamp: isoOf(now),
      country: geo.country,
      city: geo.city,
      is_eu_country: isEuCountry(geo.country),
      device: ua.device,
      os: ua.os,
      browser: ua.browser,
      referrer: referrerHeader,
      referrer_domain: referrerDomain(referrerHeader),
      bot: ua.bot,
      bot_name: ua.bot_name,
      destination: truncate(destination, CLICK_LIMITS.destination),
      params,
      qr: query?.get('qr') === '1',
      user_agent: truncateOrNull(req.headers['user-agent'], CLICK_LIMITS.userAgent),
      ip: link.includeClickIp ? ip : null,
    };
  }

  const onAnswered = deps.onAnswered;
  // Timed here rather than with a 'finish' listener per response: one closure and listener fewer
  // on the hot path; the response has been handed to the socket when `handle` settles.
  const answered = (res: ServerResponse, started: number) => {
    if (onAnswered && res.writableEnded) onAnswered(res.statusCode, (performance.now() - started) / 1000);
  };
  return (req: IncomingMessage, res: ServerResponse, slug: string): void => {
    const started = performance.now();
    handle(req, res, slug).then(
      () => answered(res, started),
      (err: unknown) => {
        deps.onError?.(err);
        if (!res.headersSent) send(res, 503, null, 'Temporarily unavailable, try again');
        else res.destroy();
        answered(res, started);
      },
    );
  };
}

// Clicks arriving in the same millisecond share one timestamp string (thousands per second under load).
let lastIsoMs = NaN;
let lastIso = '';
function isoOf(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = toIso(ms);
    lastIsoMs = ms;
  }
  return lastIso;
}

function queryOf(url: string | undefined): URLSearchParams | null {
  const at = url?.indexOf('?') ?? -1;
  if (at === -1 || !url) return null;
  return new URLSearchParams(url.slice(at + 1));
}

/**
 * Destinations are stored normalised (ASCII only), but a row written before that rule, or a
 * destination the visitor's query was merged into, must still never make writeHead throw.
 */
function headerSafe(location: string): string {
  if (!/[^\x21-\x7e]/.test(location)) return location;
  let text = location;
  try {
    text = new URL(location).href;
  } catch {
    // not a URL at all: percent-encode what cannot go into a header and let the browser judge it
  }
  return text.replace(/[^\x21-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

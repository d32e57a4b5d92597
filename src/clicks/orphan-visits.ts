import type { IncomingMessage } from 'node:http';
import { parseSettings } from '../accounts/workspace-model.js';
import { toIso } from '../runtime/clock.js';
import type { NewEvent } from '../events/outbox.js';
import { CLICK_LIMITS, truncate, truncateOrNull } from '../links/link-limits.js';
import { CidrSet, parseCidr } from '../net/cidr.js';
import type { OrphanVisitTable } from '../storage/schema.js';
import { clientIp, type TrustProxy } from './client-ip.js';
import { isEuCountry, type GeoLookup } from './geo.js';
import type { OrphanClick } from './orphan-visit-schema.js';
import { referrerDomain } from './referrer.js';
import type { UserAgentParser } from './user-agent.js';
import type { AppContext } from '../assembly/context.js';

/** `link.not_found` fires at most once per this, per slug of a workspace (the visits are all recorded). */
export const NOT_FOUND_EVENT_INTERVAL_MS = 60_000;
/** How long visits wait to be written together. */
const FLUSH_MS = 50;
/**
 * Visits held in memory at most: a flood of 404s (a scanner, a typo'd campaign) while the database
 * is slow or away must not grow the process without bound. Beyond it visits are dropped (counted).
 */
const MAX_PENDING = 10_000;

/** What the redirect hands over: read from the request at once, everything else done later. */
interface Pending {
  id: string;
  at: number;
  domain: string;
  /** '' for the domain's root. */
  slug: string;
  ip: string;
  userAgent: string | undefined;
  referer: string | undefined;
  geoHeader: string | undefined;
  query: string | null;
}

export interface OrphanVisitDeps extends Pick<AppContext, 'storage' | 'outbox' | 'ids' | 'clock'> {
  config: { defaultDomain: string; trustProxy: TrustProxy; geoHeader: string | null };
  geo: GeoLookup;
  parseUserAgent: UserAgentParser;
  onError: (err: unknown) => void;
}

/**
 * Orphan visits (docs/analytics.md): a visit to a slug no link has on a workspace's verified
 * custom domain, or to that domain's root when no root URL is set. The default domain belongs to
 * no workspace: its unknown slugs stay plain 404s, recorded nowhere.
 *
 * Never on the redirect's critical path: `note` copies what it needs from the request and returns;
 * visits are enriched (user agent, geo) and written in batches a moment later, with their
 * `link.not_found` events, in one transaction. The rate limit of those events (one per slug of a
 * workspace per minute) is a conditional upsert on `orphan_notices`, so it holds across processes.
 * The trade-off: unlike clicks, orphan visits are not journaled, and the few milliseconds of them
 * not yet written are lost if the process dies (they are 404s: nobody's count depends on them).
 */
export class OrphanVisits {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(private readonly deps: OrphanVisitDeps) {}

  /** A 404 the redirect answered for `domain` (`slug` null: its root). Returns at once. */
  note(req: IncomingMessage, domain: string, slug: string | null): void {
    // HEAD is a check, not a visit; the default domain has no owner to tell.
    if (req.method !== 'GET' || domain === this.deps.config.defaultDomain) return;
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const geoHeader = this.deps.config.geoHeader ? req.headers[this.deps.config.geoHeader] : undefined;
    this.pending.push({
      id: this.deps.ids.next('clk'),
      at: this.deps.clock.now(),
      domain,
      slug: slug ?? '',
      ip: clientIp(req, this.deps.config.trustProxy),
      userAgent: req.headers['user-agent'],
      referer: req.headers.referer,
      geoHeader: Array.isArray(geoHeader) ? geoHeader[0] : geoHeader,
      query: q < 0 ? null : url.slice(q + 1),
    });
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, FLUSH_MS);
  }

  /** Resolves once every visit noted before the call is written (or failed). */
  async settled(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.flush();
    }
    await this.flushing;
  }

  async close(): Promise<void> {
    await this.settled();
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const dropped = this.dropped;
    this.dropped = 0;
    this.flushing = this.flushing.then(() => this.write(batch, dropped)).catch((err: unknown) => this.deps.onError(err));
  }

  private async write(batch: readonly Pending[], dropped: number): Promise<void> {
    const { storage, outbox } = this.deps;
    if (dropped > 0) this.deps.onError(new Error(`orphan visits: ${dropped} visits not recorded (more than ${MAX_PENDING} waiting to be written)`));
    const hostnames = [...new Set(batch.map((v) => v.domain))];
    const holders = await storage.db.selectFrom('domains').select(['hostname', 'workspace_id']).where('verified', '=', 1).where('hostname', 'in', hostnames).execute();
    const owner = new Map(holders.map((h) => [h.hostname, h.workspace_id]));
    const workspaceIds = [...new Set(holders.map((h) => h.workspace_id))];
    if (workspaceIds.length === 0) return;
    const workspaces = await storage.db.selectFrom('workspaces').select(['id', 'settings']).where('id', 'in', workspaceIds).execute();
    const settings = new Map(
      workspaces.map((w) => {
        const s = parseSettings(w.settings);
        const cidrs = new CidrSet(s.excluded_ips.flatMap((c) => {
          try {
            return [parseCidr(c)];
          } catch {
            return [];
          }
        }));
        return [w.id, { includeIp: s.include_click_ip, excluded: cidrs }];
      }),
    );

    const rows: OrphanVisitTable[] = [];
    for (const visit of batch) {
      const workspaceId = owner.get(visit.domain);
      const ws = workspaceId === undefined ? undefined : settings.get(workspaceId);
      if (workspaceId === undefined || ws === undefined || ws.excluded.has(visit.ip)) continue;
      const ua = this.deps.parseUserAgent(visit.userAgent);
      // Crawlers are not counted anywhere (SPEC §3): nor here.
      if (ua.crawler) continue;
      rows.push(this.row(visit, workspaceId, ua, ws.includeIp));
    }
    if (rows.length === 0) return;

    await storage.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 100) await tx.db.insertInto('orphan_visits').values(rows.slice(i, i + 100)).execute();
      // The first visit of each (workspace, slug) in the batch asks to be announced; the upsert
      // only moves `notified_at` (and returns the row) when the last notice is a minute old.
      const first = new Map<string, OrphanVisitTable>();
      for (const row of rows) if (!first.has(`${row.workspace_id}\n${row.slug}`)) first.set(`${row.workspace_id}\n${row.slug}`, row);
      const events: NewEvent[] = [];
      for (const row of first.values()) {
        const fired = await tx.db
          .insertInto('orphan_notices')
          .values({ workspace_id: row.workspace_id, slug: row.slug, notified_at: row.timestamp })
          .onConflict((oc) =>
            oc
              .columns(['workspace_id', 'slug'])
              .doUpdateSet({ notified_at: row.timestamp })
              .where('orphan_notices.notified_at', '<=', row.timestamp - NOT_FOUND_EVENT_INTERVAL_MS),
          )
          .returning('slug')
          .executeTakeFirst();
        if (fired) events.push({ type: 'link.not_found', workspaceId: row.workspace_id, linkId: null, actor: null, data: { domain: row.domain, slug: row.slug === '' ? null : row.slug, click: renderOrphanClick(row) } });
      }
      await outbox.append(tx, events);
    });
  }

  private row(visit: Pending, workspaceId: string, ua: ReturnType<UserAgentParser>, includeIp: boolean): OrphanVisitTable {
    const header = visit.geoHeader?.trim();
    const geo = header && /^[A-Za-z]{2}$/.test(header) ? { country: header.toUpperCase(), city: null } : this.deps.geo.lookup(visit.ip);
    const referrer = truncateOrNull(visit.referer, CLICK_LIMITS.referrer);
    const params = Object.create(null) as Record<string, string>;
    if (visit.query !== null) {
      let kept = 0;
      for (const [k, v] of new URLSearchParams(visit.query)) {
        if (kept >= CLICK_LIMITS.params) break;
        const key = truncate(k, CLICK_LIMITS.paramKey);
        if (key in params) continue;
        params[key] = truncate(v, CLICK_LIMITS.paramValue);
        kept++;
      }
    }
    return {
      id: visit.id,
      workspace_id: workspaceId,
      domain: visit.domain,
      slug: visit.slug,
      timestamp: visit.at,
      country: geo.country,
      city: geo.city,
      is_eu_country: isEuCountry(geo.country) ? 1 : 0,
      device: ua.device,
      os: ua.os,
      browser: ua.browser,
      referrer,
      referrer_domain: referrerDomain(referrer),
      bot: ua.bot ? 1 : 0,
      bot_name: ua.bot_name,
      params: JSON.stringify(params),
      user_agent: truncateOrNull(visit.userAgent, CLICK_LIMITS.userAgent),
      ip: includeIp ? visit.ip : null,
    };
  }
}

function renderOrphanClick(row: OrphanVisitTable): OrphanClick {
  const params = JSON.parse(row.params) as Record<string, string>;
  return {
    id: row.id,
    timestamp: toIso(row.timestamp),
    country: row.country,
    city: row.city,
    is_eu_country: row.is_eu_country === 1,
    device: row.device,
    os: row.os,
    browser: row.browser,
    referrer: row.referrer,
    referrer_domain: row.referrer_domain,
    bot: row.bot === 1,
    bot_name: row.bot_name,
    params,
    // A printed QR code with a wrong slug still says where it came from.
    qr: params['qr'] === '1',
    user_agent: row.user_agent,
    ip: row.ip,
  };
}

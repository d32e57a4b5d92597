import { toIso } from '../runtime/clock.js';
import type { LinkService } from '../links/link-service.js';
import type { ClickTable } from '../storage/schema.js';
import type { Storage } from '../storage/storage.js';
import type { Click } from './click-schema.js';

export const RECENT_CLICKS_MAX = 100;

/** A stored click row in the shape click events carry. */
export function renderClick(row: ClickTable): Click {
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
    destination: row.destination,
    params: JSON.parse(row.params) as Record<string, string>,
    qr: row.qr === 1,
    user_agent: row.user_agent,
    // Stored only when the workspace allows click IPs, so what is stored may be shown.
    ip: row.ip,
  };
}

/** A link's latest clicks, newest first, in the shape click events carry. */
export class RecentClicks {
  constructor(private readonly deps: { storage: Storage; links: LinkService }) {}

  async forLink(workspaceId: string, linkId: string, limit: number): Promise<Click[]> {
    const link = await this.deps.links.get(workspaceId, linkId); // 404 for another workspace's link
    const rows = await this.deps.storage.db
      .selectFrom('clicks')
      .selectAll()
      .where('link_id', '=', link.id)
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(limit, RECENT_CLICKS_MAX))
      .execute();
    return rows.map(renderClick);
  }
}

import { toIso, toIsoOrNull } from '../runtime/clock.js';
import type { LinkTable } from '../storage/schema.js';
import type { Alert, Link, Rule } from './link-schema.js';

export function shortUrl(baseUrl: string, domain: string, slug: string): string {
  const protocol = new URL(baseUrl).protocol;
  return `${protocol}//${domain}/${slug}`;
}

/** A stored row → the API's link object. */
export function renderLink(row: LinkTable, baseUrl: string): Link {
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    domain: row.domain,
    slug: row.slug,
    short_url: shortUrl(baseUrl, row.domain, row.slug),
    url: row.url,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    expires_at: toIsoOrNull(row.expires_at),
    expired_url: row.expired_url,
    max_clicks: row.max_clicks,
    geo_block: JSON.parse(row.geo_block) as string[],
    rules: JSON.parse(row.rules) as Rule[],
    utm_source: row.utm_source,
    utm_medium: row.utm_medium,
    utm_campaign: row.utm_campaign,
    utm_term: row.utm_term,
    utm_content: row.utm_content,
    forward_params: row.forward_params === 1,
    block_bots: row.block_bots === 1,
    og_title: row.og_title,
    og_description: row.og_description,
    monitor: row.monitor === 1,
    enabled: row.enabled === 1,
    cloaking: row.cloaking === 1,
    public_analytics: row.public_analytics === 1,
    track_conversions: row.track_conversions === 1,
    alerts: JSON.parse(row.alerts) as Alert[],
    created_by: row.created_by,
    clicks: row.clicks,
    bot_clicks: row.bot_clicks,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

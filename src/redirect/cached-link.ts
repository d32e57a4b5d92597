import type { WorkspaceSettings } from '../accounts/account-schema.js';
import type { Link, Rule } from '../links/link-schema.js';
import { CidrSet, parseCidr } from '../net/cidr.js';

/** What the hot path needs about a link, precomputed once per cache load. */
export interface CachedLink {
  readonly id: string;
  readonly workspaceId: string;
  readonly url: string;
  readonly rules: readonly Rule[];
  readonly utm: readonly (readonly [string, string])[];
  readonly forwardParams: boolean;
  readonly blockBots: boolean;
  /** false: answers 404 and records nothing, as if it did not exist. */
  readonly enabled: boolean;
  /** true: answers with a page framing the destination instead of a 302. */
  readonly cloaking: boolean;
  readonly expiresAt: number | null;
  readonly expiredUrl: string | null;
  readonly maxClicks: number | null;
  readonly geoBlock: ReadonlySet<string>;
  readonly includeClickIp: boolean;
  readonly excludedIps: CidrSet;
  /** The API object, for event payloads (its `clicks` is replaced by the live count). */
  readonly api: Link;
  /** Mutable hints learned from the recorder; the database stays the authority. */
  expiredNotified: boolean;
  limitReached: boolean;
}

export function toCachedLink(link: Link, flags: { expiredNotified: boolean; limitReached: boolean }, settings: WorkspaceSettings): CachedLink {
  const utm: [string, string][] = [];
  for (const key of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const) {
    const value = link[key];
    if (value) utm.push([key, value]);
  }
  const cidrs = settings.excluded_ips.flatMap((c) => {
    try {
      return [parseCidr(c)];
    } catch {
      return [];
    }
  });
  return {
    id: link.id,
    workspaceId: link.workspace_id,
    url: link.url,
    rules: link.rules,
    utm,
    forwardParams: link.forward_params,
    blockBots: link.block_bots,
    enabled: link.enabled,
    cloaking: link.cloaking,
    expiresAt: link.expires_at ? Date.parse(link.expires_at) : null,
    expiredUrl: link.expired_url,
    maxClicks: link.max_clicks,
    geoBlock: new Set(link.geo_block),
    includeClickIp: settings.include_click_ip,
    excludedIps: new CidrSet(cidrs),
    api: link,
    expiredNotified: flags.expiredNotified,
    limitReached: flags.limitReached,
  };
}

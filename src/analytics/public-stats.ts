import { parseSettings } from '../accounts/workspace-model.js';
import type { Clock } from '../runtime/clock.js';
import type { Storage } from '../storage/storage.js';
import { localParts, startOfLocalDay } from '../runtime/time-zone.js';
import type { AnalyticsService, TopValue } from './analytics-service.js';

/** The public page covers the last 30 local days, today included. */
export const PUBLIC_DAYS = 30;
/**
 * A city is shown only when at least this many people came from it: a city seen once or twice,
 * next to a date, can point at a person. Countries, devices and referrer domains are coarse enough.
 */
export const MIN_CITY_CLICKS = 5;

/**
 * What a link's public stats page (`<short url>+`, SPEC §3b `public_analytics`) shows: aggregates of
 * people's clicks only (no bots), never a click id, an IP, a user agent or a full referrer URL.
 */
export interface PublicStats {
  /** The first and last local days shown (YYYY-MM-DD). */
  firstDay: string;
  lastDay: string;
  timezone: string;
  total: number;
  /** One point per local day, zero-filled. */
  series: { day: string; clicks: number }[];
  countries: TopValue[];
  cities: { city: string; country: string | null; clicks: number }[];
  devices: TopValue[];
  /** Referrer domains (the rollups never keep a referrer's path); null: direct. */
  referrers: TopValue[];
}

/** The link's public figures, read from the rollups like the workspace analytics. */
export async function loadPublicStats(deps: { storage: Storage; analytics: AnalyticsService; clock: Clock }, link: { id: string; workspaceId: string }): Promise<PublicStats> {
  const workspace = await deps.storage.db.selectFrom('workspaces').select('settings').where('id', '=', link.workspaceId).executeTakeFirst();
  const timezone = workspace ? parseSettings(workspace.settings).timezone : 'UTC';
  const to = deps.clock.now();
  const from = startOfLocalDay(to - (PUBLIC_DAYS - 1) * 86_400_000, timezone);
  const a = await deps.analytics.query({ workspaceId: link.workspaceId, from, to, interval: 'day', timezone, linkIds: [link.id], bots: false });
  return {
    firstDay: localDate(from, timezone),
    lastDay: localDate(to - 1, timezone),
    timezone,
    total: a.total,
    series: a.series.map((p) => ({ day: localDate(Date.parse(p.t), timezone), clicks: p.clicks })),
    countries: a.top.countries,
    cities: a.top.cities.filter((c) => c.clicks >= MIN_CITY_CLICKS),
    devices: a.top.devices,
    referrers: a.top.referrers,
  };
}

function localDate(ms: number, timezone: string): string {
  const { year, month, day } = localParts(ms, timezone);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

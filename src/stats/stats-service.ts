import { sql } from 'kysely';
import { toIso, type Clock } from '../runtime/clock.js';
import type { LinkService } from '../links/link-service.js';
import type { Storage } from '../storage/storage.js';
import { statsWindow, type StatsInterval, type StatsWindow } from './stats-window.js';

/** How many rows each breakdown (countries, devices, …) lists, most clicks first. */
export const TOP_N = 10;

type Dimension = 'country' | 'device' | 'browser' | 'os' | 'referrer_domain';

export interface LinkStats {
  link_id: string;
  interval: StatsInterval;
  granularity: 'hour' | 'day';
  start: string;
  end: string;
  totals: { clicks: number; qr: number; bots: number; unique_countries: number; unique_referrers: number };
  timeseries: { start: string; clicks: number }[];
  countries: { country: string | null; clicks: number }[];
  devices: { device: string | null; clicks: number }[];
  browsers: { browser: string | null; clicks: number }[];
  os: { os: string | null; clicks: number }[];
  referrers: { referrer_domain: string | null; clicks: number }[];
}

/**
 * A link's click statistics, computed from the `clicks` table with plain SQL both dialects run:
 * time buckets are integer division of the millisecond timestamp (bigint / bigint in PostgreSQL,
 * integer / integer in SQLite), so no date functions differ between them.
 */
export class StatsService {
  constructor(private readonly deps: { storage: Storage; clock: Clock; links: LinkService }) {}

  /** `bots`: whether the bots let through are counted with people (the totals' `bots` counts them either way). */
  async forLink(workspaceId: string, linkId: string, interval: StatsInterval, bots = false): Promise<LinkStats> {
    const link = await this.deps.links.get(workspaceId, linkId); // 404 for another workspace's link
    const window: StatsWindow & { bots: boolean } = { ...statsWindow(interval, this.deps.clock.now(), Date.parse(link.created_at)), bots };
    const [totals, series, countries, devices, browsers, os, referrers] = await Promise.all([
      this.totals(link.id, window),
      this.timeseries(link.id, window),
      this.top(link.id, window, 'country'),
      this.top(link.id, window, 'device'),
      this.top(link.id, window, 'browser'),
      this.top(link.id, window, 'os'),
      this.top(link.id, window, 'referrer_domain'),
    ]);
    return {
      link_id: link.id,
      interval,
      granularity: window.granularity,
      start: toIso(window.start),
      end: toIso(window.end),
      totals,
      timeseries: series,
      countries: countries.map((r) => ({ country: r.key, clicks: r.clicks })),
      devices: devices.map((r) => ({ device: r.key, clicks: r.clicks })),
      browsers: browsers.map((r) => ({ browser: r.key, clicks: r.clicks })),
      os: os.map((r) => ({ os: r.key, clicks: r.clicks })),
      referrers: referrers.map((r) => ({ referrer_domain: r.key, clicks: r.clicks })),
    };
  }

  private inWindow(linkId: string, window: StatsWindow & { bots: boolean }) {
    const query = this.deps.storage.db
      .selectFrom('clicks')
      .where('link_id', '=', linkId)
      .where('timestamp', '>=', window.start)
      .where('timestamp', '<=', window.end);
    // A link's clicks are people's (SPEC §3b), like its `clicks` counter, unless bots are asked for.
    return window.bots ? query : query.where('bot', '=', 0);
  }

  private async totals(linkId: string, window: StatsWindow & { bots: boolean }): Promise<LinkStats['totals']> {
    const bots = await this.inWindow(linkId, { ...window, bots: true })
      .where('bot', '=', 1)
      .select((eb) => eb.fn.countAll<number>().as('bots'))
      .executeTakeFirstOrThrow();
    const row = await this.inWindow(linkId, window)
      .select((eb) => [
        eb.fn.countAll<number>().as('clicks'),
        eb.fn.coalesce(eb.fn.sum<number>('qr'), sql.lit(0)).as('qr'),
        eb.fn.count<number>('country').distinct().as('unique_countries'),
        eb.fn.count<number>('referrer_domain').distinct().as('unique_referrers'),
      ])
      .executeTakeFirstOrThrow();
    return {
      clicks: Number(row.clicks),
      qr: Number(row.qr),
      bots: Number(bots.bots),
      unique_countries: Number(row.unique_countries),
      unique_referrers: Number(row.unique_referrers),
    };
  }

  /** One entry per bucket of the window, zero-filled, oldest first. */
  private async timeseries(linkId: string, window: StatsWindow & { bots: boolean }): Promise<LinkStats['timeseries']> {
    const bucket = sql<number>`${sql.ref('timestamp')} / ${sql.lit(window.bucketMs)}`;
    const rows = await this.inWindow(linkId, window)
      .select((eb) => [bucket.as('bucket'), eb.fn.countAll<number>().as('clicks')])
      .groupBy(bucket)
      .execute();
    const counts = new Map(rows.map((r) => [Number(r.bucket), Number(r.clicks)]));
    const first = window.start / window.bucketMs;
    return Array.from({ length: window.count }, (_, i) => ({
      start: toIso((first + i) * window.bucketMs),
      clicks: counts.get(first + i) ?? 0,
    }));
  }

  /** The TOP_N values of a column by clicks; null means unknown (or, for referrers, direct). */
  private async top(linkId: string, window: StatsWindow & { bots: boolean }, column: Dimension): Promise<{ key: string | null; clicks: number }[]> {
    const rows = await this.inWindow(linkId, window)
      .select((eb) => [eb.ref(column).as('key'), eb.fn.countAll<number>().as('clicks')])
      .groupBy(column)
      // Ties break on the value, with null ('' here) first on both dialects.
      .orderBy('clicks', 'desc')
      .orderBy(sql`coalesce(${sql.ref(column)}, '')`)
      .limit(TOP_N)
      .execute();
    return rows.map((r) => ({ key: r.key, clicks: Number(r.clicks) }));
  }
}

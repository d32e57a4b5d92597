import { sql } from 'kysely';
import { toIso } from '../runtime/clock.js';
import { shortUrl } from '../links/link-model.js';
import { conversionTotals, type ConversionTotals } from '../conversions/conversion-analytics.js';
import { DAY_MS, DIMENSIONS, HOUR_MS, WEEK_MS, WORKSPACE_SCOPE, dimensionValues, type Dimension } from '../storage/click-rollups.js';
import type { Storage } from '../storage/storage.js';
import { startOfLocalDay, startOfNextLocalDay } from '../runtime/time-zone.js';

/** How many rows each top list holds, most clicks first. */
export const TOP_N = 10;
/**
 * Every time-zone offset in use is a whole number of quarter hours: clicks counted per quarter
 * hour can be assigned to local days exactly.
 */
const QUARTER_MS = 900_000;
/** Scopes per IN list (a tag may cover thousands of links). */
const SCOPES_PER_QUERY = 500;

export interface AnalyticsQuery {
  workspaceId: string;
  /** Inclusive start and exclusive end, ms. */
  from: number;
  to: number;
  interval: 'hour' | 'day';
  timezone: string;
  /** The links the query is limited to, or null for the whole workspace. */
  linkIds: readonly string[] | null;
  bots: boolean;
}

export interface TopValue {
  value: string | null;
  clicks: number;
}

export interface Analytics extends ConversionTotals {
  from: string;
  to: string;
  interval: 'hour' | 'day';
  timezone: string;
  bots: boolean;
  total: number;
  series: { t: string; clicks: number }[];
  top: {
    links: { link_id: string; short_url: string | null; url: string | null; clicks: number }[];
    countries: TopValue[];
    cities: { city: string; country: string | null; clicks: number }[];
    devices: TopValue[];
    browsers: TopValue[];
    os: TopValue[];
    referrers: TopValue[];
    utm_sources: TopValue[];
    utm_mediums: TopValue[];
    utm_campaigns: TopValue[];
  };
}

type Range = readonly [start: number, end: number];

/**
 * Workspace analytics from the click rollups (src/storage/click-rollups.ts), exact for any range:
 * - totals and the series: whole UTC hours from `analytics_hours`; the parts of the range that are
 *   not whole hours (its two ends, and in a zone with a :30 or :45 offset the hours a local day
 *   starts in) from the clicks table, counted per quarter hour.
 * - the top lists: whole weeks and UTC days from `analytics_days`; the rest of the range (its two ends, less
 *   than a day each) from the clicks table.
 * So a query reads a few thousand rollup rows plus at most two days of clicks, however long the
 * range.
 */
export class AnalyticsService {
  constructor(private readonly deps: { storage: Storage; baseUrl: string }) {}

  async query(q: AnalyticsQuery): Promise<Analytics> {
    const buckets = seriesBuckets(q);
    const scopes = q.linkIds ?? [WORKSPACE_SCOPE];
    const empty = q.linkIds !== null && q.linkIds.length === 0;
    const [series, top] = empty ? [new Map<number, number>(), new Map<Dimension, Map<string, number>>()] : await Promise.all([this.series(q, scopes, buckets), this.top(q, scopes)]);
    const conversions = await conversionTotals(this.deps.storage, q);

    const counts = buckets.map((start) => series.get(start) ?? 0);
    const total = counts.reduce((a, b) => a + b, 0);
    const topOf = (dim: Dimension) => ranked(top.get(dim) ?? new Map<string, number>());
    const values = (dim: Dimension): TopValue[] => topOf(dim).slice(0, TOP_N).map(([value, clicks]) => ({ value: value === '' ? null : value, clicks }));
    return {
      from: toIso(q.from),
      to: toIso(q.to),
      interval: q.interval,
      timezone: q.timezone,
      bots: q.bots,
      total,
      series: buckets.map((start, i) => ({ t: toIso(start), clicks: counts[i]! })),
      top: {
        links: await this.describeLinks(q.workspaceId, topOf('link').slice(0, TOP_N)),
        countries: values('country'),
        cities: topOf('city')
          .filter(([value]) => value !== '')
          .slice(0, TOP_N)
          .map(([value, clicks]) => {
            const at = value.indexOf('/');
            return { city: value.slice(at + 1), country: value.slice(0, at) || null, clicks };
          }),
        devices: values('device'),
        browsers: values('browser'),
        os: values('os'),
        referrers: values('referrer'),
        utm_sources: values('utm_source'),
        utm_mediums: values('utm_medium'),
        utm_campaigns: values('utm_campaign'),
      },
      ...conversions,
    };
  }

  /** Clicks per series bucket (keyed by the bucket's start). */
  private async series(q: AnalyticsQuery, scopes: readonly string[], buckets: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const bucketOf = bucketFinder(buckets);
    const add = (at: number, clicks: number) => {
      const bucket = bucketOf(at);
      out.set(bucket, (out.get(bucket) ?? 0) + clicks);
    };
    const firstHour = ceilTo(q.from, HOUR_MS);
    const endHour = floorTo(q.to, HOUR_MS);
    // Hours a bucket boundary falls inside (local midnights at :30 or :45 UTC): counted from clicks.
    const split = new Set<number>();
    for (const start of buckets) if (start % HOUR_MS !== 0) split.add(floorTo(start, HOUR_MS));
    const pieces: Range[] = [];
    if (firstHour >= endHour) {
      pieces.push([q.from, q.to]);
    } else {
      if (q.from < firstHour) pieces.push([q.from, firstHour]);
      for (const hour of [...split].sort((a, b) => a - b)) if (hour >= firstHour && hour < endHour) pieces.push([hour, hour + HOUR_MS]);
      if (endHour < q.to) pieces.push([endHour, q.to]);
      for (const chunk of chunks(scopes)) {
        const rows = await this.deps.storage.db
          .selectFrom('analytics_hours')
          .select((eb) => ['hour', eb.fn.sum<number>('clicks').as('clicks')])
          .where('workspace_id', '=', q.workspaceId)
          .where('scope', 'in', chunk)
          .where('hour', '>=', firstHour)
          .where('hour', '<', endHour)
          .$if(!q.bots, (qb) => qb.where('bot', '=', 0))
          .groupBy('hour')
          .execute();
        for (const row of rows) {
          const hour = Number(row.hour);
          if (!split.has(hour)) add(hour, Number(row.clicks));
        }
      }
    }
    if (pieces.length > 0) {
      const quarter = sql<number>`${sql.ref('timestamp')} / ${sql.lit(QUARTER_MS)}`;
      for (const chunk of q.linkIds === null ? [null] : chunks(q.linkIds)) {
        const rows = await this.clicksIn(q, chunk, pieces)
          .select((eb) => [quarter.as('quarter'), eb.fn.countAll<number>().as('clicks')])
          .groupBy(quarter)
          .execute();
        for (const row of rows) add(Number(row.quarter) * QUARTER_MS, Number(row.clicks));
      }
    }
    return out;
  }

  /** Clicks per value of each dimension over the whole range. */
  private async top(q: AnalyticsQuery, scopes: readonly string[]): Promise<Map<Dimension, Map<string, number>>> {
    const out = new Map<Dimension, Map<string, number>>(DIMENSIONS.map((d) => [d, new Map<string, number>()]));
    const add = (dim: Dimension, value: string, clicks: number) => {
      const counts = out.get(dim)!;
      counts.set(value, (counts.get(value) ?? 0) + clicks);
    };
    const firstDay = ceilTo(q.from, DAY_MS);
    const endDay = floorTo(q.to, DAY_MS);
    const edges: Range[] = [];
    if (firstDay >= endDay) {
      edges.push([q.from, q.to]);
    } else {
      if (q.from < firstDay) edges.push([q.from, firstDay]);
      if (endDay < q.to) edges.push([endDay, q.to]);
      // Whole weeks from the week rows, the days around them from the day rows.
      const firstWeek = ceilTo(firstDay, WEEK_MS);
      const endWeek = floorTo(endDay, WEEK_MS);
      const periods: [span: number, start: number, end: number][] =
        firstWeek < endWeek ? [[7, firstWeek, endWeek], [1, firstDay, firstWeek], [1, endWeek, endDay]] : [[1, firstDay, endDay]];
      for (const chunk of chunks(scopes)) {
        const rows = await this.deps.storage.db
          .selectFrom('analytics_days')
          .select((eb) => ['scope', 'dim', 'value', eb.fn.sum<number>('clicks').as('clicks')])
          .where('workspace_id', '=', q.workspaceId)
          .where('scope', 'in', chunk)
          .where((eb) => eb.or(periods.filter(([, a, b]) => a < b).map(([span, a, b]) => eb.and([eb('span', '=', span), eb('day', '>=', a), eb('day', '<', b)]))))
          .$if(!q.bots, (qb) => qb.where('bot', '=', 0))
          .groupBy(['scope', 'dim', 'value'])
          .execute();
        for (const row of rows) {
          const clicks = Number(row.clicks);
          add(row.dim as Dimension, row.value, clicks);
          // A link's own rows have no `link` dimension: each of its clicks has one device value, so
          // its device rows add up to its clicks.
          if (row.scope !== WORKSPACE_SCOPE && row.dim === 'device') add('link', row.scope, clicks);
        }
      }
    }
    if (edges.length > 0) {
      for (const chunk of q.linkIds === null ? [null] : chunks(q.linkIds)) {
        const rows = await this.clicksIn(q, chunk, edges)
          .select(['link_id', 'workspace_id', 'timestamp', 'bot', 'country', 'city', 'device', 'browser', 'os', 'referrer_domain', 'destination'])
          .execute();
        for (const row of rows) {
          add('link', row.link_id, 1);
          const values = dimensionValues(row);
          for (const dim of DIMENSIONS) if (dim !== 'link') add(dim, values[dim], 1);
        }
      }
    }
    return out;
  }

  /** The workspace's clicks (of `linkIds` when given) within `ranges`, bots per the query. */
  private clicksIn(q: AnalyticsQuery, linkIds: readonly string[] | null, ranges: readonly Range[]) {
    return this.deps.storage.db
      .selectFrom('clicks')
      .where('workspace_id', '=', q.workspaceId)
      .$if(linkIds !== null, (qb) => qb.where('link_id', 'in', linkIds!))
      .$if(!q.bots, (qb) => qb.where('bot', '=', 0))
      .where((eb) => eb.or(ranges.map(([a, b]) => eb.and([eb('timestamp', '>=', a), eb('timestamp', '<', b)]))));
  }

  private async describeLinks(workspaceId: string, top: [string, number][]): Promise<Analytics['top']['links']> {
    if (top.length === 0) return [];
    const rows = await this.deps.storage.db
      .selectFrom('links')
      .select(['id', 'domain', 'slug', 'url'])
      .where('workspace_id', '=', workspaceId)
      .where(
        'id',
        'in',
        top.map(([id]) => id),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return top.map(([id, clicks]) => {
      const link = byId.get(id);
      // A deleted link's clicks stay in the workspace's history; it has no address any more.
      return { link_id: id, short_url: link ? shortUrl(this.deps.baseUrl, link.domain, link.slug) : null, url: link?.url ?? null, clicks };
    });
  }
}

/** Bucket starts of the series: local days, or UTC hours (local hours but in :30/:45 zones). */
export function seriesBuckets(q: Pick<AnalyticsQuery, 'from' | 'to' | 'interval' | 'timezone'>): number[] {
  const out: number[] = [];
  if (q.interval === 'hour') {
    for (let t = floorTo(q.from, HOUR_MS); t < q.to; t += HOUR_MS) out.push(t);
    return out;
  }
  for (let t = startOfLocalDay(q.from, q.timezone); t < q.to; t = startOfNextLocalDay(t, q.timezone)) out.push(t);
  return out;
}

/** The bucket (its start) holding `at`: the last start ≤ at. */
function bucketFinder(starts: readonly number[]): (at: number) => number {
  return (at) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return starts[lo]!;
  };
}

/** Most clicks first; ties by value, unknown ('') first. */
function ranked(counts: Map<string, number>): [string, number][] {
  return [...counts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += SCOPES_PER_QUERY) out.push(list.slice(i, i + SCOPES_PER_QUERY));
  return out;
}

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;

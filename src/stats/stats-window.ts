export const STATS_INTERVALS = ['24h', '7d', '30d', '90d', 'all'] as const;
export type StatsInterval = (typeof STATS_INTERVALS)[number];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The buckets a stats answer covers: `count` buckets of `bucketMs` from `start`, the last one holding `now`. */
export interface StatsWindow {
  granularity: 'hour' | 'day';
  bucketMs: number;
  /** Start of the first bucket (inclusive), aligned to the UTC hour or day. */
  start: number;
  /** The app clock's now (inclusive): the window ends with the current, partial bucket. */
  end: number;
  count: number;
}

const DAYS: Record<Exclude<StatsInterval, '24h' | 'all'>, number> = { '7d': 7, '30d': 30, '90d': 90 };

/**
 * 24h → the last 24 UTC hours (hourly); 7d/30d/90d → the last N UTC days including today (daily);
 * all → every day since the link was created (daily).
 */
export function statsWindow(interval: StatsInterval, now: number, linkCreatedAt: number): StatsWindow {
  if (interval === '24h') {
    const current = Math.floor(now / HOUR_MS) * HOUR_MS;
    return { granularity: 'hour', bucketMs: HOUR_MS, start: current - 23 * HOUR_MS, end: now, count: 24 };
  }
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  if (interval === 'all') {
    const first = Math.min(today, Math.floor(linkCreatedAt / DAY_MS) * DAY_MS);
    return { granularity: 'day', bucketMs: DAY_MS, start: first, end: now, count: (today - first) / DAY_MS + 1 };
  }
  const days = DAYS[interval];
  return { granularity: 'day', bucketMs: DAY_MS, start: today - (days - 1) * DAY_MS, end: now, count: days };
}

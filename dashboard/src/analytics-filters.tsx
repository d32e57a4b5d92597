/**
 * The analytics filters both the workspace Analytics page and a link's page use: a date range
 * (presets or a custom one), the series interval, the bots toggle and, on the workspace page, a
 * link, domain and tag. The state lives in the URL query so a view can be shared and reloaded.
 */
import { useLocation } from 'preact-iso';
import { useMemo, useState } from 'preact/hooks';
import type { AnalyticsQuery } from './api/analytics';

export const RANGE_PRESETS = [
  ['24h', '24 h'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['month', 'This month'],
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number][0];

export interface AnalyticsFilters {
  /** A preset, or 'custom' with `from`/`to` as local dates (YYYY-MM-DD, `to` included). */
  range: RangePreset | 'custom';
  from: string;
  to: string;
  interval: 'hour' | 'day' | '';
  bots: boolean;
  link_id: string;
  domain: string;
  tag: string;
}

const DEFAULT_RANGE: RangePreset = '30d';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

function parseFilters(query: Record<string, string>): AnalyticsFilters {
  const custom = DATE.test(query.from ?? '') && DATE.test(query.to ?? '');
  const preset = RANGE_PRESETS.find(([id]) => id === query.range)?.[0];
  return {
    range: custom ? 'custom' : (preset ?? DEFAULT_RANGE),
    from: custom ? query.from! : '',
    to: custom ? query.to! : '',
    interval: query.interval === 'hour' || query.interval === 'day' ? query.interval : '',
    bots: query.bots === 'true',
    link_id: query.link_id ?? '',
    domain: query.domain ?? '',
    tag: query.tag ?? '',
  };
}

function filtersToQuery(f: AnalyticsFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.range === 'custom') {
    out.from = f.from;
    out.to = f.to;
  } else if (f.range !== DEFAULT_RANGE) out.range = f.range;
  if (f.interval) out.interval = f.interval;
  if (f.bots) out.bots = 'true';
  if (f.link_id) out.link_id = f.link_id;
  if (f.domain) out.domain = f.domain;
  if (f.tag) out.tag = f.tag;
  return out;
}

/** The filters in the current URL, and a setter that rewrites the URL (replacing the history entry). */
export function useAnalyticsFilters(): [AnalyticsFilters, (change: Partial<AnalyticsFilters>) => void] {
  const { path, query, route } = useLocation();
  const filters = parseFilters(query);
  const set = (change: Partial<AnalyticsFilters>) => {
    const next = new URLSearchParams(filtersToQuery({ ...filters, ...change })).toString();
    route(next ? `${path}?${next}` : path, true);
  };
  return [filters, set];
}

/** A date as the workspace's calendar shows it (YYYY-MM-DD in its time zone). */
export function localDate(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * The filters → the API query. Day presets start at a local midnight in the workspace's time zone
 * (as the API's days do) and run to now; 24 h is the last 24 hours to the minute.
 */
export function toAnalyticsQuery(f: AnalyticsFilters, timezone: string, now = Date.now()): AnalyticsQuery {
  const base = { interval: f.interval || undefined, link_id: f.link_id || undefined, domain: f.domain || undefined, tag: f.tag || undefined, bots: f.bots };
  switch (f.range) {
    case 'custom':
      return { ...base, from: f.from, to: f.to };
    case '24h':
      return { ...base, from: new Date(now - DAY_MS).toISOString() };
    case 'month':
      return { ...base, from: `${localDate(now, timezone).slice(0, 8)}01` };
    default: {
      const days = f.range === '7d' ? 7 : f.range === '30d' ? 30 : 90;
      return { ...base, from: localDate(now - (days - 1) * DAY_MS, timezone) };
    }
  }
}

/** The query for these filters, resolved once per change of filters (not at every render: "24 h" moves with the clock). */
export function useAnalyticsQuery(f: AnalyticsFilters, timezone: string, fixed: Partial<AnalyticsQuery> = {}): AnalyticsQuery {
  const key = JSON.stringify([f, timezone, fixed]);
  return useMemo(() => ({ ...toAnalyticsQuery(f, timezone), ...fixed }), [key]);
}

/** Presets as a button group, and a custom range with two date fields applied together. */
export function RangeFilter(props: { filters: AnalyticsFilters; onChange: (change: Partial<AnalyticsFilters>) => void; timezone: string }) {
  const f = props.filters;
  const [editing, setEditing] = useState(f.range === 'custom');
  const today = localDate(Date.now(), props.timezone);
  const [from, setFrom] = useState(f.from || localDate(Date.now() - 6 * DAY_MS, props.timezone));
  const [to, setTo] = useState(f.to || today);
  const showCustom = editing || f.range === 'custom';
  return (
    <div class="range-filter">
      <div class="segmented wrap" role="group" aria-label="Date range">
        {RANGE_PRESETS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            aria-pressed={f.range === id}
            onClick={() => {
              setEditing(false);
              props.onChange({ range: id, from: '', to: '' });
            }}
          >
            {label}
          </button>
        ))}
        <button type="button" aria-pressed={f.range === 'custom'} aria-expanded={showCustom} onClick={() => setEditing(true)}>
          Custom
        </button>
      </div>
      {showCustom && (
        <form
          class="custom-range"
          aria-label="Custom date range"
          onSubmit={(e) => {
            e.preventDefault();
            props.onChange({ range: 'custom', from, to });
          }}
        >
          <label>
            <span>From</span>
            <input type="date" required value={from} max={to} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            <span>To (included)</span>
            <input type="date" required value={to} min={from} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <button type="submit">Apply range</button>
        </form>
      )}
    </div>
  );
}

export function IntervalFilter(props: { filters: AnalyticsFilters; onChange: (change: Partial<AnalyticsFilters>) => void }) {
  return (
    <label class="inline-select">
      <span>Series</span>
      <select value={props.filters.interval} onChange={(e) => props.onChange({ interval: e.currentTarget.value as AnalyticsFilters['interval'] })}>
        <option value="">Automatic</option>
        <option value="hour">By hour</option>
        <option value="day">By day</option>
      </select>
    </label>
  );
}

export function BotsToggle(props: { filters: AnalyticsFilters; onChange: (change: Partial<AnalyticsFilters>) => void }) {
  return (
    <label class="check bots-toggle">
      <input type="checkbox" checked={props.filters.bots} onChange={(e) => props.onChange({ bots: e.currentTarget.checked })} />
      Include bots
    </label>
  );
}

/** What every analytics view filters by: the range, the interval and the bots. */
export function TimeFilters(props: { filters: AnalyticsFilters; onChange: (change: Partial<AnalyticsFilters>) => void; timezone: string }) {
  return (
    <div class="time-filters">
      <RangeFilter {...props} />
      <div class="row">
        <IntervalFilter {...props} />
        <BotsToggle {...props} />
      </div>
    </div>
  );
}

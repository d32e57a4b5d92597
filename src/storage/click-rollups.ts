import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { AnalyticsDayTable, AnalyticsHourTable, ClickTable, Database } from './schema.js';
import type { Dialect } from './storage.js';

/*
 * Click rollups: what workspace analytics read instead of the clicks table (docs/analytics.md).
 *
 * - analytics_hours: clicks per (scope, UTC hour, bot) — totals and the time series.
 * - analytics_days: clicks per (scope, span, period, dimension, value, bot) — the top lists;
 *   `span` 1 is a UTC day, 7 a week of days (aligned on the epoch). A 90-day top list reads about
 *   13 weeks and a dozen days of rows instead of 90 days of them.
 *
 * `scope` is a link id, or WORKSPACE_SCOPE for the whole workspace: an unfiltered query reads a
 * few thousand workspace rows however many links there are; a query filtered by link, domain or
 * tag reads those links' rows. The `link` dimension exists only in the workspace scope (it is the
 * top-links list). Written by the click ingester in the transaction that inserts the clicks, so
 * they are exact; everything here is derived from the click row alone, so a rollup can be rebuilt
 * from the clicks (migration 016 does, for the clicks stored before it).
 */

export const WORKSPACE_SCOPE = '*';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** The periods of analytics_days, in days. */
export const SPANS = [1, 7] as const;

/** The dimensions of analytics_days, in the order the top lists are answered. */
export const DIMENSIONS = ['link', 'country', 'city', 'device', 'browser', 'os', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Longer values (a UTM campaign can be anything) are cut: a rollup key, not the click's record. */
export const MAX_VALUE_LENGTH = 200;

/** The click columns a rollup is computed from. */
export type RollupClick = Pick<ClickTable, 'workspace_id' | 'link_id' | 'timestamp' | 'bot' | 'country' | 'city' | 'device' | 'browser' | 'os' | 'referrer_domain' | 'destination'>;

/** A dimension's value for a click; '' is "unknown" (null in the API; for referrers, direct). */
export function dimensionValues(click: RollupClick): Record<Exclude<Dimension, 'link'>, string> {
  const utm = utmOf(click.destination);
  return {
    country: click.country ?? '',
    city: cityKey(click.country, click.city),
    device: click.device ?? '',
    browser: click.browser ?? '',
    os: click.os ?? '',
    referrer: click.referrer_domain ?? '',
    utm_source: utm.utm_source,
    utm_medium: utm.utm_medium,
    utm_campaign: utm.utm_campaign,
  };
}

/** A city is counted with its country ("FR/Paris"): the same name exists in several countries. */
export function cityKey(country: string | null, city: string | null): string {
  return city ? `${country ?? ''}/${city}`.slice(0, MAX_VALUE_LENGTH) : '';
}

/** The UTM values the visitor was sent with: the link's own, or (with forward_params) the visitor's. */
export function utmOf(destination: string): { utm_source: string; utm_medium: string; utm_campaign: string } {
  const out = { utm_source: '', utm_medium: '', utm_campaign: '' };
  const q = destination.indexOf('?');
  if (q < 0 || destination.indexOf('utm_', q) < 0) return out;
  const hash = destination.indexOf('#', q);
  const params = new URLSearchParams(destination.slice(q + 1, hash < 0 ? undefined : hash));
  for (const key of ['utm_source', 'utm_medium', 'utm_campaign'] as const) {
    const value = params.get(key);
    if (value) out[key] = value.slice(0, MAX_VALUE_LENGTH);
  }
  return out;
}

/** Rollup increments for a set of clicks, summed per key (one upsert per distinct key). */
export class RollupBatch {
  /**
   * Clicks alike in everything a rollup reads (link, hour, bot, dimension values) are counted
   * once here and expanded into their ~20 rollup keys once per group, not once per click: under
   * load most of a batch's clicks go to a few links from similar visitors.
   */
  private readonly groups = new Map<string, { click: RollupClick; count: number }>();

  add(click: RollupClick): void {
    const hour = click.timestamp - (click.timestamp % HOUR_MS);
    const key = `${click.workspace_id}\u0000${click.link_id}\u0000${hour}\u0000${click.bot}\u0000${click.country}\u0000${click.city}\u0000${click.device}\u0000${click.browser}\u0000${click.os}\u0000${click.referrer_domain}\u0000${click.destination}`;
    const group = this.groups.get(key);
    if (group) group.count++;
    else this.groups.set(key, { click, count: 1 });
  }

  /**
   * The rows in key order. Two ingest transactions (two processes' journals on PostgreSQL) that
   * touch the same rollup rows lock them in the same order, so they wait for each other instead
   * of deadlocking.
   */
  rows(): { hours: AnalyticsHourTable[]; days: AnalyticsDayTable[] } {
    const hours = new Map<string, AnalyticsHourTable>();
    const days = new Map<string, AnalyticsDayTable>();
    const addHour = (workspace_id: string, scope: string, hour: number, bot: number, clicks: number) => {
      const key = `${workspace_id}\u0000${scope}\u0000${hour}\u0000${bot}`;
      const row = hours.get(key);
      if (row) row.clicks += clicks;
      else hours.set(key, { workspace_id, scope, hour, bot, clicks });
    };
    const addDay = (workspace_id: string, scope: string, day: number, dim: string, value: string, bot: number, clicks: number) => {
      for (const span of SPANS) {
        const period = span === 1 ? day : day - (day % WEEK_MS);
        const key = `${workspace_id}\u0000${scope}\u0000${span}\u0000${period}\u0000${dim}\u0000${value}\u0000${bot}`;
        const row = days.get(key);
        if (row) row.clicks += clicks;
        else days.set(key, { workspace_id, scope, span, day: period, dim, value, bot, clicks });
      }
    };
    for (const { click, count } of this.groups.values()) {
      const hour = click.timestamp - (click.timestamp % HOUR_MS);
      const day = click.timestamp - (click.timestamp % DAY_MS);
      const bot = click.bot ? 1 : 0;
      const ws = click.workspace_id;
      addHour(ws, click.link_id, hour, bot, count);
      addHour(ws, WORKSPACE_SCOPE, hour, bot, count);
      addDay(ws, WORKSPACE_SCOPE, day, 'link', click.link_id, bot, count);
      const values = dimensionValues(click);
      for (const dim of DIMENSIONS) {
        if (dim === 'link') continue;
        addDay(ws, click.link_id, day, dim, values[dim], bot, count);
        addDay(ws, WORKSPACE_SCOPE, day, dim, values[dim], bot, count);
      }
    }
    return { hours: sortedByKey(hours), days: sortedByKey(days) };
  }
}

function sortedByKey<T>(map: Map<string, T>): T[] {
  return [...map.keys()].sort().map((k) => map.get(k)!);
}

const HOUR_COLUMNS = ['workspace_id', 'scope', 'hour', 'bot', 'clicks'] as const;
const DAY_COLUMNS = ['workspace_id', 'scope', 'span', 'day', 'dim', 'value', 'bot', 'clicks'] as const;
const ROWS_PER_STATEMENT = 500;
const statements = new Map<string, string>();

/** Adds a batch's increments to the rollup tables (the caller's transaction). */
export async function writeRollups(db: Kysely<Database>, dialect: Dialect, batch: RollupBatch): Promise<void> {
  const { hours, days } = batch.rows();
  await upsert(db, dialect, 'analytics_hours', HOUR_COLUMNS, hours);
  await upsert(db, dialect, 'analytics_days', DAY_COLUMNS, days);
}

async function upsert<R extends object>(db: Kysely<Database>, dialect: Dialect, table: string, columns: readonly (keyof R & string)[], rows: readonly R[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column]);
    await db.executeQuery(CompiledQuery.raw(upsertStatement(dialect, table, columns, chunk.length), parameters));
  }
}

// The SQL text per table and row count is built once (the click ingester's hot path).
function upsertStatement(dialect: Dialect, table: string, columns: readonly string[], rowCount: number): string {
  const key = `${dialect}|${table}|${rowCount}`;
  let text = statements.get(key);
  if (text === undefined) {
    let n = 0;
    const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
    const tuples: string[] = [];
    for (let r = 0; r < rowCount; r++) tuples.push(`(${columns.map(placeholder).join(', ')})`);
    const keyColumns = columns.filter((c) => c !== 'clicks');
    text =
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')} ` +
      `on conflict (${keyColumns.map((c) => `"${c}"`).join(', ')}) do update set "clicks" = "${table}"."clicks" + excluded."clicks"`;
    statements.set(key, text);
  }
  return text;
}

/**
 * Rebuilds the rollups of every stored click (migration 016), a chunk of clicks at a time.
 * Plain `sql` templates: a migration runs on a bare Kysely of either dialect.
 */
export async function rollUpStoredClicks(db: Kysely<unknown>): Promise<number> {
  let after = '';
  let total = 0;
  for (;;) {
    const { rows } = await sql<RollupClick & { id: string }>`
      SELECT id, workspace_id, link_id, timestamp, bot, country, city, device, browser, os, referrer_domain, destination
      FROM clicks WHERE id > ${after} ORDER BY id LIMIT 5000`.execute(db);
    if (rows.length === 0) return total;
    const batch = new RollupBatch();
    for (const row of rows) batch.add({ ...row, timestamp: Number(row.timestamp), bot: Number(row.bot) });
    const { hours, days } = batch.rows();
    for (const [table, columns, list] of [
      ['analytics_hours', HOUR_COLUMNS, hours],
      ['analytics_days', DAY_COLUMNS, days],
    ] as const) {
      for (let start = 0; start < list.length; start += ROWS_PER_STATEMENT) {
        const chunk = list.slice(start, start + ROWS_PER_STATEMENT) as unknown as readonly Record<string, unknown>[];
        const tuples = chunk.map((row) => sql`(${sql.join(columns.map((c) => row[c]))})`);
        const keyColumns = columns.filter((c) => c !== 'clicks');
        await sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) VALUES ${sql.join(tuples)}
          ON CONFLICT (${sql.join(keyColumns.map((c) => sql.ref(c)))}) DO UPDATE SET clicks = ${sql.ref(`${table}.clicks`)} + excluded.clicks`.execute(db);
      }
    }
    total += rows.length;
    after = rows[rows.length - 1]!.id;
  }
}

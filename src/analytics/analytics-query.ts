import type { Static } from '@sinclair/typebox';
import type { AccountsService } from '../accounts/accounts-service.js';
import type { Clock } from '../runtime/clock.js';
import { validationError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { localMidnight, startOfLocalDay } from '../runtime/time-zone.js';
import type { AnalyticsQuery } from './analytics-service.js';
import type { AnalyticsQueryString } from './analytics-schema.js';

const DAY_MS = 86_400_000;
/** Longest range: two years of daily points. */
const MAX_RANGE_MS = 732 * DAY_MS;
/** Longest hourly series: 92 days (2 208 points). */
const MAX_HOURLY_MS = 92 * DAY_MS;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The query string → a checked query: range, interval, the links the filters select. */
export async function analyticsQuery(
  deps: { accounts: AccountsService; storage: Storage; clock: Clock },
  workspaceId: string,
  input: Static<typeof AnalyticsQueryString>,
): Promise<AnalyticsQuery> {
  const workspace = await deps.accounts.getWorkspace(workspaceId);
  const timezone = workspace.settings.timezone;
  const now = deps.clock.now();
  const to = input.to === undefined ? now : instant(input.to, 'to', timezone, true);
  const from = input.from === undefined ? startOfLocalDay(to - 29 * DAY_MS, timezone) : instant(input.from, 'from', timezone, false);
  if (from >= to) throw validationError('from must be before to', { field: 'from' });
  if (to - from > MAX_RANGE_MS) throw validationError('the range is longer than 732 days: ask for a shorter one', { field: 'from' });
  const interval = input.interval ?? (to - from <= 2 * DAY_MS ? 'hour' : 'day');
  if (interval === 'hour' && to - from > MAX_HOURLY_MS) throw validationError('interval=hour covers at most 92 days: use interval=day for longer ranges', { field: 'interval' });
  return { workspaceId, from, to, interval, timezone, linkIds: await filteredLinks(deps.storage, workspaceId, input), bots: input.bots ?? false };
}

/** The links `link_id`, `domain` and `tag` select (all must hold), or null when none is given. */
async function filteredLinks(storage: Storage, workspaceId: string, input: Static<typeof AnalyticsQueryString>): Promise<string[] | null> {
  if (input.link_id === undefined && input.domain === undefined && input.tag === undefined) return null;
  const rows = await storage.db
    .selectFrom('links')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .$if(input.link_id !== undefined, (qb) => qb.where('id', '=', input.link_id!))
    .$if(input.domain !== undefined, (qb) => qb.where('domain', '=', input.domain!.toLowerCase()))
    .$if(input.tag !== undefined, (qb) =>
      qb.where('id', 'in', (eb) => eb.selectFrom('link_tags').select('link_id').where('workspace_id', '=', workspaceId).where('tag', '=', input.tag!)),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** An ISO timestamp, or a local date: its midnight (`from`), or the next midnight (`to`, the day included). */
function instant(text: string, field: 'from' | 'to', timezone: string, endOfDay: boolean): number {
  const date = DATE.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d || y < 1970) {
      throw validationError(`${field} is not a real date: "${text}"`, { field });
    }
    if (!endOfDay) return localMidnight(y, m, d, timezone);
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    return localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timezone);
  }
  const ms = TIMESTAMP.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms) || ms < 0) throw validationError(`${field} must be an ISO-8601 timestamp (2026-12-01T00:00:00Z) or a date (2026-12-01), got "${text}"`, { field });
  return ms;
}

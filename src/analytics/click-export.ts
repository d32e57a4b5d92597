import { csvLine } from '../csv/csv.js';
import { shortUrl } from '../links/link-model.js';
import type { Storage } from '../storage/storage.js';

/** The export's columns: the click as events carry it (SPEC §4 `click`), with its link. */
export const EXPORT_COLUMNS = [
  'id', 'timestamp', 'link_id', 'short_url', 'country', 'city', 'is_eu_country', 'device', 'os', 'browser',
  'referrer', 'referrer_domain', 'bot', 'bot_name', 'qr', 'destination', 'user_agent', 'ip',
] as const;

/** Rows per read: one keyset page of the (workspace_id, timestamp) index. */
const PAGE = 2_000;
/** Link addresses remembered while exporting (a page names a few links; a workspace may have many). */
const MAX_CACHED_LINKS = 10_000;

export interface ExportQuery {
  workspaceId: string;
  from: number;
  to: number;
  linkIds: readonly string[] | null;
  bots: boolean;
}

/**
 * The matching clicks as CSV, oldest first, a page of rows at a time: the caller pulls (a
 * Readable over this generator reads the next page only when the socket has taken the last), so
 * memory stays flat however many clicks there are. Cells are written by the one CSV module
 * (src/csv/csv.ts): formula-injection-safe (a leading = + - @ tab or CR gets an apostrophe).
 */
export async function* exportClicksCsv(deps: { storage: Storage; baseUrl: string }, q: ExportQuery): AsyncGenerator<string> {
  yield csvLine(EXPORT_COLUMNS);
  if (q.linkIds !== null && q.linkIds.length === 0) return;
  const linkFilter = q.linkIds === null ? null : new Set(q.linkIds);
  const links = new Map<string, string | null>();
  let after: Cursor = null;
  for (;;) {
    const rows = await page(deps.storage, q, after);
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = { timestamp: Number(last.timestamp), id: last.id };
    const unknown = [...new Set(rows.map((r) => r.link_id).filter((id) => !links.has(id)))];
    if (unknown.length > 0) {
      if (links.size + unknown.length > MAX_CACHED_LINKS) links.clear();
      const found = await deps.storage.db.selectFrom('links').select(['id', 'domain', 'slug']).where('workspace_id', '=', q.workspaceId).where('id', 'in', unknown).execute();
      for (const id of unknown) links.set(id, null);
      for (const l of found) links.set(l.id, shortUrl(deps.baseUrl, l.domain, l.slug));
    }
    let text = '';
    for (const r of rows) {
      if (linkFilter && !linkFilter.has(r.link_id)) continue;
      text += csvLine([
        r.id, new Date(Number(r.timestamp)).toISOString(), r.link_id, links.get(r.link_id) ?? null, r.country, r.city, Number(r.is_eu_country) === 1, r.device, r.os, r.browser,
        r.referrer, r.referrer_domain, Number(r.bot) === 1, r.bot_name, Number(r.qr) === 1, r.destination, r.user_agent, r.ip,
      ]);
    }
    if (text) yield text;
    if (rows.length < PAGE) return;
  }
}

type Cursor = { timestamp: number; id: string } | null;

/** The next PAGE clicks after `cursor` in (timestamp, id) order: a keyset read of the (workspace_id, timestamp) index. */
function page(storage: Storage, q: ExportQuery, cursor: Cursor) {
  return storage.db
    .selectFrom('clicks')
    .select(['id', 'timestamp', 'link_id', 'country', 'city', 'is_eu_country', 'device', 'os', 'browser', 'referrer', 'referrer_domain', 'bot', 'bot_name', 'qr', 'destination', 'user_agent', 'ip'])
    .where('workspace_id', '=', q.workspaceId)
    .where('timestamp', '<', q.to)
    .where((eb) =>
      cursor === null ? eb('timestamp', '>=', q.from) : eb.or([eb('timestamp', '>', cursor.timestamp), eb.and([eb('timestamp', '=', cursor.timestamp), eb('id', '>', cursor.id)])]),
    )
    .$if(!q.bots, (qb) => qb.where('bot', '=', 0))
    // A long list of links (a tag on thousands) is filtered as rows are read instead.
    .$if(q.linkIds !== null && q.linkIds.length <= 500, (qb) => qb.where('link_id', 'in', q.linkIds!))
    .orderBy('timestamp')
    .orderBy('id')
    .limit(PAGE)
    .execute();
}

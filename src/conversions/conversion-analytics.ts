import type { Storage } from '../storage/storage.js';

/** Link ids per IN list (a tag may cover thousands of links). */
const IDS_PER_QUERY = 500;

export interface ConversionTotals {
  leads: number;
  sales: number;
  /** Sale amounts summed per currency (ISO 4217 → minor units): amounts in different currencies do not add up. */
  revenue: Record<string, number>;
  /** Visits to unknown slugs of the workspace's domains; null when the query is limited to links (an orphan visit has none). */
  orphan_visits: number | null;
}

/**
 * The conversion figures of GET /api/analytics (SPEC §3b): leads and sales made within [from, to)
 * on the selected links (all the workspace's when `linkIds` is null), counted exactly from their
 * tables through the (workspace_id, created_at) indexes; and the orphan visits of the range.
 */
export async function conversionTotals(
  storage: Storage,
  q: { workspaceId: string; from: number; to: number; linkIds: readonly string[] | null; bots: boolean },
): Promise<ConversionTotals> {
  const out: ConversionTotals = { leads: 0, sales: 0, revenue: {}, orphan_visits: null };
  const groups = q.linkIds === null ? [null] : chunks(q.linkIds);
  for (const ids of groups) {
    const leads = await storage.db
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', q.workspaceId)
      .where('created_at', '>=', q.from)
      .where('created_at', '<', q.to)
      .$if(ids !== null, (qb) => qb.where('link_id', 'in', ids!))
      .executeTakeFirst();
    out.leads += Number(leads?.n ?? 0);
    const sales = await storage.db
      .selectFrom('sales')
      .select((eb) => ['currency', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount').as('amount')])
      .where('workspace_id', '=', q.workspaceId)
      .where('created_at', '>=', q.from)
      .where('created_at', '<', q.to)
      .$if(ids !== null, (qb) => qb.where('link_id', 'in', ids!))
      .groupBy('currency')
      .orderBy('currency')
      .execute();
    for (const row of sales) {
      out.sales += Number(row.n);
      out.revenue[row.currency] = (out.revenue[row.currency] ?? 0) + Number(row.amount);
    }
  }
  if (q.linkIds === null) {
    const orphans = await storage.db
      .selectFrom('orphan_visits')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', q.workspaceId)
      .where('timestamp', '>=', q.from)
      .where('timestamp', '<', q.to)
      .$if(!q.bots, (qb) => qb.where('bot', '=', 0))
      .executeTakeFirst();
    out.orphan_visits = Number(orphans?.n ?? 0);
  }
  return out;
}

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += IDS_PER_QUERY) out.push(list.slice(i, i + IDS_PER_QUERY));
  return out;
}

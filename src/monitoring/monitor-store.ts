import { sql } from 'kysely';
import type { LinkMonitorTable, LinkTable } from '../storage/schema.js';
import type { Storage, Tx } from '../storage/storage.js';

export interface DueMonitor {
  link_id: string;
  next_check_at: number;
}

/** The monitor job's SQL: keeping one state row per monitored link, finding, claiming and settling checks. */
export class MonitorStore {
  constructor(private readonly storage: Storage) {}

  /**
   * Gives every monitored link a state row (due at once) and drops the rows of links that were
   * deleted or are no longer monitored: turning monitoring back on starts afresh.
   */
  async sync(now: number): Promise<void> {
    const db = this.storage.db;
    await db
      .insertInto('link_monitors')
      .columns(['link_id', 'workspace_id', 'status', 'consecutive_failures', 'next_check_at', 'created_at'])
      .expression((eb) =>
        eb
          .selectFrom('links')
          // Literals, not parameters: PostgreSQL cannot type a bare parameter in INSERT … SELECT.
          .select([
            'links.id',
            'links.workspace_id',
            sql.lit('pending').as('status'),
            sql.lit(0).as('consecutive_failures'),
            sql.lit(now).as('next_check_at'),
            sql.lit(now).as('created_at'),
          ])
          .where('links.monitor', '=', 1)
          .where((w) => w.not(w.exists(w.selectFrom('link_monitors').select('link_monitors.link_id').whereRef('link_monitors.link_id', '=', 'links.id')))),
      )
      .onConflict((oc) => oc.column('link_id').doNothing())
      .execute();
    await db
      .deleteFrom('link_monitors')
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom('links').select('links.id').whereRef('links.id', '=', 'link_monitors.link_id').where('links.monitor', '=', 1))),
      )
      .execute();
  }

  /** Candidates only: each must still be claimed, since other workers see the same list. */
  due(now: number, limit: number): Promise<DueMonitor[]> {
    return this.storage.db
      .selectFrom('link_monitors')
      .select(['link_id', 'next_check_at'])
      .where('next_check_at', '<=', now)
      .orderBy('next_check_at')
      .limit(limit)
      .execute();
  }

  /**
   * Claims one check: moves next_check_at to the end of a lease, but only if nobody moved it
   * since we read it. Exactly one of any number of racing workers wins; if the winner dies,
   * the link falls due again when the lease ends.
   */
  async claim(candidate: DueMonitor, token: string, leaseUntil: number): Promise<string | null> {
    const result = await this.storage.db
      .updateTable('link_monitors')
      .set({ next_check_at: leaseUntil, claim_token: token })
      .where('link_id', '=', candidate.link_id)
      .where('next_check_at', '=', candidate.next_check_at)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    const link = await this.storage.db.selectFrom('links').select(['url', 'monitor']).where('id', '=', candidate.link_id).executeTakeFirst();
    return link && link.monitor === 1 ? link.url : null;
  }

  /** The state row and link a claim may settle, locked on PostgreSQL; null when the claim was lost or the link went. */
  async lockClaimed(tx: Tx, linkId: string, token: string): Promise<{ state: LinkMonitorTable; link: LinkTable } | null> {
    const state = await tx.lockRows(tx.db.selectFrom('link_monitors').selectAll().where('link_id', '=', linkId).where('claim_token', '=', token)).executeTakeFirst();
    if (!state) return null;
    const link = await tx.db.selectFrom('links').selectAll().where('id', '=', linkId).executeTakeFirst();
    if (!link || link.monitor !== 1) return null;
    return { state, link };
  }

  async settle(tx: Tx, linkId: string, token: string, changes: Partial<LinkMonitorTable>): Promise<boolean> {
    const result = await tx.db
      .updateTable('link_monitors')
      .set({ ...changes, claim_token: null })
      .where('link_id', '=', linkId)
      .where('claim_token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  find(workspaceId: string, linkId: string): Promise<LinkMonitorTable | undefined> {
    return this.storage.db
      .selectFrom('link_monitors')
      .selectAll()
      .where('link_id', '=', linkId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
  }
}

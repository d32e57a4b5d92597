import type { Storage } from '../storage/storage.js';

const SETTING = 'default_domain';

export interface DefaultDomainMove {
  from: string;
  to: string;
  /** Links moved to the new default domain. */
  moved: number;
  /** Links left on the old one: their slug is taken on the new domain already. */
  conflicts: number;
}

/**
 * Links on the default short domain follow LINKWIRE_BASE_URL. A link row names its domain (a
 * custom domain's links must keep theirs), so a changed base URL would leave every default-domain
 * link on a host nobody serves: 404 under the old host and the new. At start, when the default
 * domain differs from the one recorded, its links are moved over in one transaction, and the new
 * one recorded; an unchanged setting costs one row read. Several processes starting at once (the
 * row is locked) move them once.
 *
 * The first start with this record writes it and moves nothing: the previous setting is unknown.
 */
export async function followDefaultDomain(storage: Storage, defaultDomain: string, now: number): Promise<DefaultDomainMove | null> {
  const current = await storage.db.selectFrom('instance_settings').select('value').where('key', '=', SETTING).executeTakeFirst();
  if (current?.value === defaultDomain) return null;
  return storage.transaction(async (tx) => {
    const row = await tx.lockRows(tx.db.selectFrom('instance_settings').select('value').where('key', '=', SETTING)).executeTakeFirst();
    if (!row) {
      await tx.db
        .insertInto('instance_settings')
        .values({ key: SETTING, value: defaultDomain, updated_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      return null;
    }
    if (row.value === defaultDomain) return null;
    const from = row.value;
    const moved = await tx.db
      .updateTable('links')
      .set({ domain: defaultDomain, updated_at: now })
      .where('domain', '=', from)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('links as taken').select('taken.id').where('taken.domain', '=', defaultDomain).whereRef('taken.slug', '=', 'links.slug'))))
      .executeTakeFirst();
    const left = await tx.db.selectFrom('links').select(({ fn }) => fn.countAll<number>().as('n')).where('domain', '=', from).executeTakeFirstOrThrow();
    await tx.db.updateTable('instance_settings').set({ value: defaultDomain, updated_at: now }).where('key', '=', SETTING).execute();
    return { from, to: defaultDomain, moved: Number(moved.numUpdatedRows), conflicts: Number(left.n) };
  });
}

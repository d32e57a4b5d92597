import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Tx } from './storage.js';

/*
 * Link versions (migration 022): each version of a link's API object is stored once, and click
 * events name it instead of carrying the whole link (1-2 KB per click, 16 KB at worst). A version
 * is kept as the text around its click count, which differs per click: the event stores the
 * count, and `events_full` puts `{"link":<head><count><tail>, …}` back together byte for byte.
 */

/** One version of a link's JSON: the text before its click count and after it, and their hash. */
export interface LinkVersion {
  readonly hash: string;
  readonly head: string;
  readonly tail: string;
}

export function linkVersion(head: string, tail: string): LinkVersion {
  // 128 bits of SHA-256: unique among one link's versions whatever their number.
  const hash = createHash('sha256').update(head).update('\u0000').update(tail).digest('base64url').slice(0, 22);
  return { hash, head, tail };
}

/**
 * `used_at` is refreshed at most this often: an event referencing a version is never more than this
 * (plus clock skew, see purgeUnusedLinkVersions) newer than the version's `used_at`.
 */
const REFRESH_MS = 3_600_000;

/**
 * Stores the versions the events being written reference, in the same transaction (a version
 * exists whenever an event naming it does). Several processes may write the same version at once:
 * the upsert makes that one row, and its refresh of a stale `used_at` locks the row, so a purge
 * running concurrently either waits and sees it fresh or deletes it before this inserts it anew.
 */
export async function storeLinkVersions(tx: Tx, versions: ReadonlyMap<string, { linkId: string; version: LinkVersion }>, now: number): Promise<void> {
  if (versions.size === 0) return;
  // A version this transaction stored already is there (and fresh): the journal ingester writes a
  // batch's events a chunk at a time, the same few versions in every chunk (10 upserts a batch, 1 needed).
  let stored = storedIn.get(tx);
  if (stored === undefined) storedIn.set(tx, (stored = new Set()));
  const fresh = [...versions].filter(([key]) => !stored.has(key));
  if (fresh.length === 0) return;
  for (const [key] of fresh) stored.add(key);
  // One row per key per statement (PostgreSQL refuses to upsert a row twice), in a fixed order (no deadlocks between writers).
  const rows = fresh
    .map(([, v]) => v)
    .sort((a, b) => (a.linkId === b.linkId ? (a.version.hash < b.version.hash ? -1 : 1) : a.linkId < b.linkId ? -1 : 1))
    .map(({ linkId, version }) => ({ link_id: linkId, hash: version.hash, head: version.head, tail: version.tail, used_at: now }));
  await tx.db
    .insertInto('link_versions')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['link_id', 'hash'])
        .doUpdateSet({ used_at: (eb) => eb.ref('excluded.used_at') })
        .where('link_versions.used_at', '<', sql<number>`excluded.used_at - ${REFRESH_MS}`),
    )
    .execute();
}

/** The version keys each open transaction has stored (keyed by its Tx: gone with it). */
const storedIn = new WeakMap<Tx, Set<string>>();

/** Margin for clocks of several processes disagreeing, on top of REFRESH_MS. */
const SKEW_MS = 86_400_000;

/**
 * Deletes up to `limit` versions no event references any more, given that every event older than
 * `eventCutoff` is gone unless it is still being delivered. A version unused since well before the
 * cutoff can only be referenced by such leftovers (an event newer than the cutoff would have
 * refreshed `used_at`), which the `not exists` looks for among the few old events left (the
 * `events_time` index). Returns how many went.
 */
export async function purgeUnusedLinkVersions(db: Kysely<Database>, eventCutoff: number, limit: number): Promise<number> {
  const unusedBefore = eventCutoff - REFRESH_MS - SKEW_MS;
  const stale = await db
    .selectFrom('link_versions as lv')
    .select(['lv.link_id', 'lv.hash'])
    .where('lv.used_at', '<', unusedBefore)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('events as e')
            .select('e.id')
            .where('e.timestamp', '<', eventCutoff)
            .whereRef('e.link_id', '=', 'lv.link_id')
            .whereRef('e.link_version', '=', 'lv.hash'),
        ),
      ),
    )
    .limit(limit)
    .execute();
  let deleted = 0;
  for (const { link_id, hash } of stale) {
    // `used_at` again: a writer may have refreshed it since (PostgreSQL re-checks it on the row it waited for).
    const result = await db.deleteFrom('link_versions').where('link_id', '=', link_id).where('hash', '=', hash).where('used_at', '<', unusedBefore).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

import type { Queryable } from '../../storage/storage.js';

/** Gives back claims this worker holds but will not send (queued at shutdown, or too close to their lease's end). */
export async function releaseClaims(on: Queryable, ids: readonly string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await on.db.updateTable('deliveries').set({ lease_until: null, lease_owner: null }).where('id', 'in', [...ids]).where('lease_owner', '=', owner).execute();
}

/** Gives back every pending claim of this worker (a shutdown whose sends did not finish in time). */
export async function releaseAllClaimsOf(on: Queryable, owner: string): Promise<void> {
  await on.db.updateTable('deliveries').set({ lease_until: null, lease_owner: null }).where('lease_owner', '=', owner).where('status', '=', 'pending').execute();
}

/** Clears every claim: only for a database this process owns alone, where claims from a previous run are stale. */
export async function releaseStaleClaims(on: Queryable): Promise<void> {
  await on.db.updateTable('deliveries').set({ lease_until: null, lease_owner: null }).where('lease_until', 'is not', null).execute();
}

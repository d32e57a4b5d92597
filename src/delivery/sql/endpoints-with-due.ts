import type { Storage } from '../../storage/storage.js';
import { idsParameter, idsValue, param, run } from './raw.js';

const text = (d: 'sqlite' | 'postgres') =>
  `select w.id from webhooks w where w.active = 1 and w.id not in ${idsParameter(d, 1)} and exists (` +
  `select 1 from deliveries d where d.webhook_id = w.id and d.status = 'pending' and d.next_attempt_at <= ${param(d, 2)} ` +
  `and (d.lease_until is null or d.lease_until < ${param(d, 3)}))`;
const TEXT = { sqlite: text('sqlite'), postgres: text('postgres') };

/**
 * The active endpoints that have a claimable delivery due now, leaving out `excluding` (endpoints
 * whose queue is full). One index probe per endpoint, never a scan of the backlog.
 */
export async function endpointsWithDue(storage: Storage, now: number, excluding: readonly string[]): Promise<string[]> {
  const rows = await run<{ id: string }>(storage.db, TEXT[storage.dialect], [idsValue(storage.dialect, excluding), now, now]);
  return rows.map((r) => r.id);
}

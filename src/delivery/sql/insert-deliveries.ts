import type { DeliveryTable } from '../../storage/schema.js';
import type { Tx } from '../../storage/storage.js';

/**
 * Writes new deliveries (fan-out), leaving out any whose (event, webhook) pair exists already, so a
 * fan-out that is run again writes no duplicate; answers how many were written.
 */
export async function insertDeliveries(tx: Tx, rows: readonly DeliveryTable[]): Promise<number> {
  return tx.insertRows('deliveries', rows, { onConflictDoNothing: ['event_id', 'webhook_id'] });
}

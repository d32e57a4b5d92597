import type { DeliveryAttemptTable } from '../../storage/schema.js';
import type { Tx } from '../../storage/storage.js';

/** Appends finished attempts to the attempt log (one multi-row statement per few hundred). */
export async function insertAttempts(tx: Tx, rows: readonly DeliveryAttemptTable[]): Promise<void> {
  await tx.insertRows('delivery_attempts', rows);
}

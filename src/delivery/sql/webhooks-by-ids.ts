import type { Storage } from '../../storage/storage.js';
import type { WebhookTable } from '../../storage/schema.js';
import { idsParameter, idsValue, run } from './raw.js';

const TEXT = {
  sqlite: `select * from webhooks where id in ${idsParameter('sqlite', 1)}`,
  postgres: `select * from webhooks where id in ${idsParameter('postgres', 1)}`,
};

/** The webhooks with these ids, as stored (one statement for any number). */
export async function webhooksByIds(storage: Storage, ids: readonly string[]): Promise<WebhookTable[]> {
  if (ids.length === 0) return [];
  return run<WebhookTable>(storage.db, TEXT[storage.dialect], [idsValue(storage.dialect, ids)]);
}

import type { WebhookTable } from '../../storage/schema.js';
import { runText, textPerDialect } from '../../storage/dialect/sql-dialect.js';
import type { Queryable } from '../../storage/storage.js';

const TEXT = textPerDialect((sql) => `select * from webhooks where id in ${sql.idList(1)}`);

/** The webhooks with these ids, as stored (one statement for any number). */
export async function webhooksByIds(on: Queryable, ids: readonly string[]): Promise<WebhookTable[]> {
  if (ids.length === 0) return [];
  return runText<WebhookTable>(on.db, TEXT(on.sql), [on.sql.idListValue(ids)]);
}

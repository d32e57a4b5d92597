import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVE_WEBHOOKS_TTL_MS, ActiveWebhooks } from '../../src/delivery/active-webhooks.js';
import { openPostgres } from '../../src/storage/postgres.js';
import type { WebhookTable } from '../../src/storage/schema.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { until } from '../helpers/wait.js';

function webhookRow(id: string, workspaceId: string): WebhookTable {
  return {
    id,
    workspace_id: workspaceId,
    name: id,
    url: `https://127.0.0.1:9/${id}`,
    events: '["link.clicked"]',
    filter: null,
    active: 1,
    timeout_ms: 5000,
    retry: '{}',
    format: 'standard',
  payload_version: '2026-12-01',
    headers: '{}',
    secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0',
    previous_secret: null,
    previous_secret_expires_at: null,
    consecutive_failures: 0,
    failing_since: null,
    disabled_at: null,
    disabled_reason: null,
    created_at: 1,
    updated_at: 1,
  };
}

/*
 * Fan-out's cache of each workspace's active webhooks: read once, then served from memory until a
 * change to that workspace's webhooks commits — here made through a second connection, as another
 * process (PostgreSQL) or the main thread (SQLite) makes it.
 */
describe.each(DIALECTS)('the active-webhooks cache on %s', (dialect) => {
  let database: TestDatabase | null = null;
  const storages: Storage[] = [];
  afterEach(async () => {
    for (const s of storages.splice(0)) await s.close();
    await database?.drop();
    database = null;
  });

  async function setup() {
    database = await createTestDatabase(dialect);
    const statements: string[] = [];
    const onQuery = (sql: string) => statements.push(sql);
    const path = database.url.slice('sqlite:'.length);
    const reader = dialect === 'sqlite' ? openSqlite(path, { onQuery }) : openPostgres(database.url, { onQuery });
    const writer = database.open();
    storages.push(reader, writer);
    await writer.migrate();
    const now = Date.now();
    for (const ws of ['ws_a', 'ws_b']) await writer.db.insertInto('workspaces').values({ id: ws, name: ws, plan: 'enterprise', settings: '{}', created_at: now, updated_at: now }).execute();
    await writer.db.insertInto('webhooks').values([webhookRow('wh_1', 'ws_a'), webhookRow('wh_2', 'ws_a'), webhookRow('wh_3', 'ws_b')]).execute();
    return { reader, writer, statements };
  }

  /**
   * Until the reader hears the writer's signals. On PostgreSQL its LISTEN connection comes up a
   * moment after the first subscription and then signals every channel once (what committed before
   * went unheard), which empties the cache: the tests start after that.
   */
  async function listening(reader: Storage, writer: Storage) {
    let heard = false;
    const off = reader.subscribe('webhook_changed', (payload) => {
      if (payload === 'ws_probe') heard = true;
    });
    try {
      await until('the reader hears signals', async () => {
        await writer.transaction((tx) => tx.notify('webhook_changed', 'ws_probe'));
        await new Promise((r) => setTimeout(r, 50));
        return heard || null;
      }, 10_000);
    } finally {
      off();
    }
  }

  /** Until a read runs no statement. */
  async function servedFromCache(cache: ActiveWebhooks, reader: Storage, statements: string[], workspaceIds: string[]) {
    await until('served from the cache', async () => {
      const before = statements.length;
      await cache.of(reader, workspaceIds);
      return statements.length === before || null;
    }, 5_000);
  }

  it('reads a workspace once, and again as soon as a change to its webhooks commits elsewhere', async () => {
    const { reader, writer, statements } = await setup();
    const cache = new ActiveWebhooks(reader);
    try {
      await listening(reader, writer);
      const first = await cache.of(reader, ['ws_a', 'ws_b', 'ws_none']);
      expect(first.get('ws_a')!.map((h) => h.id).sort()).toEqual(['wh_1', 'wh_2']);
      expect(first.get('ws_none')).toEqual([]);
      // Served from memory from then on.
      await servedFromCache(cache, reader, statements, ['ws_a', 'ws_b', 'ws_none']);
      expect((await cache.of(reader, ['ws_b'])).get('ws_b')!.map((h) => h.id)).toEqual(['wh_3']);

      // Paused through the other connection, with the signal the webhook service sends.
      await writer.transaction(async (tx) => {
        await tx.db.updateTable('webhooks').set({ active: 0 }).where('id', '=', 'wh_1').execute();
        await tx.notify('webhook_changed', 'ws_a');
      });
      await until('the pause seen', async () => ((await cache.of(reader, ['ws_a'])).get('ws_a')!.length === 1 ? true : null), 5_000);
      // Only that workspace was read again.
      const again = statements.length;
      await cache.of(reader, ['ws_a', 'ws_b']);
      expect(statements.length).toBe(again);

      // A signal for every workspace (a deletion, or LISTEN back after a lost connection).
      await writer.transaction(async (tx) => {
        await tx.db.deleteFrom('webhooks').where('id', '=', 'wh_3').execute();
        await tx.notify('webhook_changed', '');
      });
      await until('the deletion seen', async () => ((await cache.of(reader, ['ws_b'])).get('ws_b')!.length === 0 ? true : null), 5_000);
    } finally {
      cache.close();
    }
  });

  it('reads again after its time-to-live even without a signal', async () => {
    const { reader, writer, statements } = await setup();
    let now = 1_000_000;
    const cache = new ActiveWebhooks(reader, () => now);
    try {
      await listening(reader, writer);
      expect((await cache.of(reader, ['ws_a'])).get('ws_a')).toHaveLength(2);
      await servedFromCache(cache, reader, statements, ['ws_a']);
      await writer.db.updateTable('webhooks').set({ active: 0 }).where('id', '=', 'wh_2').execute();
      expect((await cache.of(reader, ['ws_a'])).get('ws_a')).toHaveLength(2);
      now += ACTIVE_WEBHOOKS_TTL_MS;
      expect((await cache.of(reader, ['ws_a'])).get('ws_a')!.map((h) => h.id)).toEqual(['wh_1']);
    } finally {
      cache.close();
    }
  });
});

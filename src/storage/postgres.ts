import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { ListenerRegistry } from './listeners.js';
import { runMigrations } from './migrate.js';
import type { Database } from './schema.js';
import type { Channel, Storage } from './storage.js';
import { withoutIndex } from './planner-hints.js';
import { lockRows } from './row-lock.js';
import { runTransaction } from './transaction.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const CHANNEL_PREFIX = 'linkwire_';

// Our bigints are millisecond times and counters, far below 2^53: read them as numbers, like SQLite does.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    const parser: unknown = format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
    return parser;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The scale-out dialect: many processes share one PostgreSQL; signals travel by LISTEN/NOTIFY. */
export function openPostgres(connectionString: string, options: { poolSize?: number } = {}): Storage {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10, types });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new ListenerRegistry();
  const channels = new Set<Channel>();
  let listenClient: pg.Client | null = null;
  let listenReady: Promise<void> | null = null;
  let closed = false;

  async function connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString, types });
    client.on('notification', (msg) => {
      const channel = msg.channel.slice(CHANNEL_PREFIX.length) as Channel;
      listeners.emit(channel, msg.payload ?? '');
    });
    client.on('error', () => {
      // Lost the listening connection: reconnect, and tell subscribers something may have been missed.
      listenClient = null;
      listenReady = null;
      if (!closed) setTimeout(() => void ensureListening().catch(() => undefined), 500).unref();
    });
    await client.connect();
    for (const channel of channels) await client.query(`LISTEN ${CHANNEL_PREFIX}${channel}`);
    listenClient = client;
    for (const channel of channels) listeners.emit(channel, '');
  }

  function ensureListening(): Promise<void> {
    listenReady ??= connectListener();
    return listenReady;
  }

  return {
    dialect: 'postgres',
    db,
    sharedByProcesses: true,
    lockRows: (query, options) => lockRows('postgres', query, options),
    withoutIndex: (column) => withoutIndex('postgres', column),
    transaction: (fn) =>
      runTransaction(db, 'postgres', listeners, fn, async (trx, channel, payload) => {
        // Delivered to other processes on commit (this one hears it in-process at once).
        await sql`select pg_notify(${CHANNEL_PREFIX + channel}, ${payload})`.execute(trx);
      }),
    async notify(channel, payload) {
      await sql`select pg_notify(${CHANNEL_PREFIX + channel}, ${payload})`.execute(db);
      listeners.emit(channel, payload);
    },
    subscribe(channel, listener) {
      const remove = listeners.add(channel, listener);
      if (!channels.has(channel)) {
        channels.add(channel);
        if (listenClient) void listenClient.query(`LISTEN ${CHANNEL_PREFIX}${channel}`).catch(() => undefined);
        else void ensureListening().catch(() => undefined);
      }
      return remove;
    },
    migrate: () => runMigrations(db as Kysely<unknown>),
    async close() {
      closed = true;
      const client = listenClient;
      listenClient = null;
      if (client) await client.end().catch(() => undefined);
      await db.destroy();
    },
  };
}

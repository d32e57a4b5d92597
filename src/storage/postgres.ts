import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { ListenerRegistry } from './listeners.js';
import { runMigrations } from './migrate.js';
import type { Database } from './schema.js';
import type { Channel, Storage } from './storage.js';
import { withoutIndex } from './planner-hints.js';
import { lockRows } from './row-lock.js';
import { runTransaction } from './transaction.js';
import { POSTGRES_SQL } from './dialect/postgres-sql.js';
import { queryLog, type QueryObserver } from './query-log.js';

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

/** Reconnect delays of the LISTEN connection: doubling from the first to the cap, with jitter. */
const LISTEN_RETRY_FIRST_MS = 250;
const LISTEN_RETRY_MAX_MS = 10_000;

export interface PostgresOptions {
  poolSize?: number;
  /** Told when the LISTEN connection is lost and when it is back (signals may have been missed in between). */
  onListenState?: (state: 'lost' | 'restored', err?: unknown) => void;
  /** Told every statement run (a probe or test counting statements). */
  onQuery?: QueryObserver;
}

/**
 * Connections opened before the worker reports ready (`warmUp`) and kept open while idle. A fresh
 * connection costs a backend start and, on its first statements, the backend's catalog caches:
 * without this, a load's first second paid that on every connection the worker grew into, and
 * every quiet spell over pg-pool's 10 s idle timeout closed them again (issue 26 item 2).
 */
const WARM_CONNECTIONS = 4;
/** The tables the hot paths touch first: a warm-up statement over them loads their catalog entries. */
const WARM_TABLES = ['clicks', 'events', 'deliveries', 'delivery_attempts', 'links', 'webhooks'];

/** The scale-out dialect: many processes share one PostgreSQL; signals travel by LISTEN/NOTIFY. */
export function openPostgres(connectionString: string, options: PostgresOptions = {}): Storage {
  const max = options.poolSize ?? 10;
  const warm = Math.min(WARM_CONNECTIONS, max);
  // A connection attempt that hangs (a dead host, a full server) fails the request in hand instead of queueing it forever.
  const pool = new pg.Pool({ connectionString, max, min: warm, types, connectionTimeoutMillis: 10_000 });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // A checked-out client that loses its connection (57P01 on restart, ECONNRESET) emits 'error'
  // outside any query; without a listener that kills the process. The query in hand fails on its
  // own (and the pool discards the broken client on release), so there is nothing more to do here.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...queryLog(options.onQuery) });
  const listeners = new ListenerRegistry();
  const channels = new Set<Channel>();
  let listenClient: pg.Client | null = null;
  let connecting = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;
  let lostReported = false;
  let closed = false;

  /**
   * Keeps one connection LISTENing on every subscribed channel. When it drops, it reconnects with
   * backoff until it succeeds (however long the outage), and then tells every subscriber that
   * signals may have been missed (an empty payload): caches drop what they hold and loops look again.
   */
  async function connectListener(): Promise<void> {
    if (closed || connecting || listenClient) return;
    connecting = true;
    const client = new pg.Client({ connectionString, types, connectionTimeoutMillis: 10_000 });
    let lost = false;
    const onLost = (err?: unknown) => {
      // Our own close() ends the client too: that is not an outage.
      if (lost || closed) return;
      lost = true;
      if (listenClient === client) listenClient = null;
      void client.end().catch(() => undefined);
      if (!lostReported) {
        lostReported = true;
        options.onListenState?.('lost', err);
      }
      scheduleReconnect();
    };
    client.on('notification', (msg) => {
      const channel = msg.channel.slice(CHANNEL_PREFIX.length) as Channel;
      listeners.emit(channel, msg.payload ?? '');
    });
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      for (const channel of channels) await client.query(`LISTEN ${CHANNEL_PREFIX}${channel}`);
    } catch (err) {
      connecting = false;
      onLost(err);
      return;
    }
    connecting = false;
    if (closed || lost) {
      void client.end().catch(() => undefined);
      return;
    }
    listenClient = client;
    failures = 0;
    if (lostReported) {
      lostReported = false;
      options.onListenState?.('restored');
    }
    // Whatever committed while we were not listening (or before the first LISTEN) went unheard: resynchronise.
    for (const channel of channels) listeners.emit(channel, '');
  }

  function scheduleReconnect(): void {
    if (closed || retryTimer) return;
    const base = Math.min(LISTEN_RETRY_MAX_MS, LISTEN_RETRY_FIRST_MS * 2 ** failures);
    failures++;
    const delay = base / 2 + Math.random() * (base / 2);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connectListener();
    }, delay);
    retryTimer.unref();
  }

  return {
    dialect: 'postgres',
    db,
    sql: POSTGRES_SQL,
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
        // A failed LISTEN means the connection is going: its 'error'/'end' brings the reconnect, which LISTENs on every channel.
        if (listenClient) void listenClient.query(`LISTEN ${CHANNEL_PREFIX}${channel}`).catch(() => undefined);
        else void connectListener();
      }
      return remove;
    },
    migrate: () => runMigrations(db as Kysely<unknown>, 'postgres'),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async warmUp() {
      const clients = await Promise.all(Array.from({ length: warm }, () => pool.connect()));
      try {
        await Promise.all(clients.map((client) => client.query(`select 1 from ${WARM_TABLES.join(', ')} limit 0`)));
      } finally {
        for (const client of clients) client.release();
      }
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const client = listenClient;
      listenClient = null;
      if (client) await client.end().catch(() => undefined);
      await db.destroy();
    },
  };
}

import { performance } from 'node:perf_hooks';
import { RedisClient } from 'redis';
import { expandDestinationName, parseRedisDestination, type RedisDestination } from '../destinations.js';
import type { TargetResponse } from '../target-client.js';
import type { BrokerAdapter, TransportRequest } from '../transport.js';
import { brokerAcknowledged, brokerErrorKind, brokerFailure, messageHeaders, messageOf, parsedOnce, withinTimeout } from './broker-response.js';

/**
 * One client class for every destination. `createClient` builds a class per distinct options
 * object (node-redis keys a single-entry cache on the options' JSON, the URL included), 30–80 ms
 * of this thread's event loop each: 50 Redis destinations held every delivery up for seconds
 * (bench scenario 4, silent brokers). Without the server modules `redis` adds (JSON, search, …):
 * XADD is all a destination needs. Built at the first Redis destination, not at start-up (~40 ms
 * that installs without one would pay in every thread).
 */
type ClientFactory = ReturnType<typeof RedisClient.factory>;
let clientFactory: ClientFactory | null = null;
const newRedisClient: ClientFactory = (options) => (clientFactory ??= RedisClient.factory({}))(options);
type Client = ReturnType<ClientFactory>;

interface Connection {
  client: Client;
  /** The last connection error while not ready; null once connected. */
  lastError: Error | null;
  /** Settles at the first ready or error after creation: a first send waits for that, never longer. */
  firstOutcome: Promise<void>;
}

/** Reconnect backoff: 100 ms doubling to 2 s, forever (the broker may come back at any time). */
const reconnectDelay = (retries: number): number => Math.min(100 * 2 ** Math.min(retries, 5), 2000);

/**
 * Redis Streams (SPEC §5c): one XADD per attempt, `MAXLEN ~ <maxlen>` capping the stream; fields are
 * the request's headers and `body`. One client per connection URL (host, port, database,
 * credentials), reconnecting on its own. Commands are not queued while disconnected: an attempt to a
 * broker that is down fails at once (and is retried on the webhook's schedule) instead of piling up.
 */
export function createRedisStreamsAdapter(): BrokerAdapter {
  const destinationOf = parsedOnce(parseRedisDestination);
  const pool = new Map<string, Connection>();

  const connectionFor = (destination: RedisDestination): Connection => {
    let connection = pool.get(destination.connection);
    if (connection === undefined) {
      const client: Client = newRedisClient({
        url: destination.connection,
        disableOfflineQueue: true,
        socket: { connectTimeout: 10_000, reconnectStrategy: reconnectDelay },
      });
      let settle: () => void = () => {};
      const created: Connection = { client, lastError: null, firstOutcome: new Promise<void>((resolve) => (settle = resolve)) };
      client.on('error', (err: Error) => {
        created.lastError = err;
        settle();
      });
      client.on('ready', () => {
        created.lastError = null;
        settle();
      });
      // connect() stays pending while it retries; its outcome is watched through the events above.
      client.connect().catch(() => {});
      pool.set(destination.connection, created);
      connection = created;
    }
    return connection;
  };

  return {
    async send(request: TransportRequest): Promise<TargetResponse> {
      const started = performance.now();
      let destination: RedisDestination;
      try {
        destination = destinationOf(request.url);
      } catch (err) {
        return brokerFailure(started, 'protocol', messageOf(err), null);
      }
      const deadline = started + request.timeoutMs;
      const connection = connectionFor(destination);
      try {
        if (!connection.client.isReady) {
          if (connection.lastError === null) await withinTimeout(connection.firstOutcome, deadline - performance.now(), `redis at ${destination.address}`);
          if (!connection.client.isReady) {
            return brokerFailure(started, 'connect', `redis at ${destination.address} is unreachable: ${connection.lastError?.message ?? 'not connected'}`, destination.address);
          }
        }
        const stream = expandDestinationName(destination.stream, request.linkId, request.headers['x-linkwire-event'] ?? '');
        const fields: Record<string, string> = {};
        for (const [name, value] of messageHeaders(request.headers)) if (name !== 'body') fields[name] = value;
        fields.body = request.body ?? '';
        const id = await withinTimeout(
          connection.client.xAdd(stream, '*', fields, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: destination.maxLength } }),
          deadline - performance.now(),
          `redis at ${destination.address}`,
        );
        return brokerAcknowledged(started, { stream, id }, destination.address);
      } catch (err) {
        return brokerFailure(started, brokerErrorKind(err), `redis at ${destination.address}: ${messageOf(err)}`, destination.address);
      }
    },
    async close() {
      const clients = [...pool.values()].map((c) => c.client);
      pool.clear();
      for (const client of clients) {
        try {
          client.destroy();
        } catch {
          // already closed
        }
      }
    },
  };
}

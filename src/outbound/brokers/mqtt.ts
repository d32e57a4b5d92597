import { performance } from 'node:perf_hooks';
import { connect, type MqttClient } from 'mqtt';
import { expandDestinationName, parseMqttDestination, type MqttDestination } from '../destinations.js';
import type { TargetResponse } from '../target-client.js';
import type { BrokerAdapter, TransportRequest } from '../transport.js';
import { brokerAcknowledged, brokerErrorKind, brokerFailure, messageHeaders, messageOf, parsedOnce, withinTimeout } from './broker-response.js';

interface Connection {
  client: MqttClient;
  /** Why the client is not connected (the last error or close); null once connected. */
  lastError: Error | null;
  /** Settles at the first CONNACK, error or close after creation: a first send waits for that, never longer. */
  firstOutcome: Promise<void>;
}

/** A dial or CONNECT left unanswered this long is abandoned and retried (a silent broker). */
const CONNECT_TIMEOUT_MS = 10_000;
/** The client redials this often while the broker is away, forever. */
const RECONNECT_PERIOD_MS = 500;

/**
 * MQTT 5 (SPEC §5c): one QoS 1 publish per attempt, the request's headers as user properties;
 * success is the PUBACK (a PUBACK with an error reason code fails the attempt, "no matching
 * subscribers" does not: the broker took the message). One client per server and credentials,
 * reconnecting on its own. While it is disconnected an attempt fails at once instead of waiting in
 * the client's offline queue, and is retried on the webhook's schedule.
 */
export function createMqttAdapter(): BrokerAdapter {
  const destinationOf = parsedOnce(parseMqttDestination);
  const pool = new Map<string, Connection>();

  const connectionFor = (destination: MqttDestination): Connection => {
    let connection = pool.get(destination.connection);
    if (connection === undefined) {
      const client = connect({
        protocol: 'mqtt',
        host: destination.hostname,
        port: destination.port,
        protocolVersion: 5,
        clean: true,
        clientId: `linkwire_${Math.random().toString(16).slice(2, 14)}`,
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectPeriod: RECONNECT_PERIOD_MS,
        keepalive: 30,
        ...(destination.username !== null ? { username: destination.username } : {}),
        ...(destination.password !== null ? { password: destination.password } : {}),
      });
      let settle: () => void = () => {};
      const created: Connection = { client, lastError: null, firstOutcome: new Promise<void>((resolve) => (settle = resolve)) };
      client.on('connect', () => {
        created.lastError = null;
        settle();
      });
      client.on('error', (err: Error) => {
        created.lastError = err;
        settle();
      });
      client.on('close', () => {
        created.lastError ??= new Error('connection closed');
        settle();
      });
      pool.set(destination.connection, created);
      connection = created;
    }
    return connection;
  };

  return {
    async send(request: TransportRequest): Promise<TargetResponse> {
      const started = performance.now();
      let destination: MqttDestination;
      try {
        destination = destinationOf(request.url);
      } catch (err) {
        return brokerFailure(started, 'protocol', messageOf(err), null);
      }
      const deadline = started + request.timeoutMs;
      const where = `mqtt at ${destination.address}`;
      const connection = connectionFor(destination);
      try {
        if (!connection.client.connected) {
          if (connection.lastError === null) await withinTimeout(connection.firstOutcome, deadline - performance.now(), where);
          if (!connection.client.connected) {
            return brokerFailure(started, 'connect', `${where} is unreachable: ${connection.lastError?.message ?? 'not connected'}`, destination.address);
          }
        }
        const topic = expandDestinationName(destination.topic, request.linkId, request.headers['x-linkwire-event'] ?? '');
        const userProperties = Object.fromEntries(messageHeaders(request.headers));
        const ack = await withinTimeout(
          connection.client.publishAsync(topic, request.body ?? '', {
            qos: 1,
            properties: { userProperties, contentType: request.headers['content-type'] ?? 'application/json', payloadFormatIndicator: true },
          }),
          deadline - performance.now(),
          where,
        );
        const reasonCode = (ack as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
        return brokerAcknowledged(started, { topic, puback: reasonCode }, destination.address);
      } catch (err) {
        return brokerFailure(started, brokerErrorKind(err), `${where}: ${messageOf(err)}`, destination.address);
      }
    },
    async close() {
      const clients = [...pool.values()].map((c) => c.client);
      pool.clear();
      await Promise.allSettled(clients.map((client) => client.endAsync(true)));
    },
  };
}

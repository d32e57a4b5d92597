import { performance } from 'node:perf_hooks';
import { connect, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { expandDestinationName, parseAmqpDestination, type AmqpDestination } from '../destinations.js';
import type { TargetResponse } from '../target-client.js';
import type { BrokerAdapter, TransportRequest } from '../transport.js';
import { brokerAcknowledged, brokerErrorKind, brokerFailure, messageHeaders, messageOf, parsedOnce, withinTimeout } from './broker-response.js';

interface Connection {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** message_id → why the broker returned it (basic.return arrives before the message's confirm). */
  returned: Map<string, string>;
}

/** A dial or handshake idle this long fails (a silent broker); an attempt's own timeout is usually shorter. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Heartbeats find a broker that stopped answering on an open connection, so it is dropped and dialled anew. */
const HEARTBEAT_S = 10;

/**
 * RabbitMQ / AMQP 0-9-1 (SPEC §5c): one publish per attempt on a confirm channel, persistent, with
 * `message_id` = the event id and the request's headers as AMQP headers; success is the publisher
 * confirm. Published `mandatory`, so a message no queue is bound for comes back (basic.return) and
 * the attempt fails saying so instead of vanishing. One connection and channel per server, vhost and
 * credentials; a connection or channel that closes (broker restarted, exchange missing) is dropped
 * from the pool and the next attempt dials again, so the adapter reconnects on its own without
 * queueing attempts behind a broker that is down.
 */
export function createAmqpAdapter(): BrokerAdapter {
  const destinationOf = parsedOnce(parseAmqpDestination);
  const pool = new Map<string, Promise<Connection>>();

  const forget = (key: string, connection: Promise<Connection>) => {
    if (pool.get(key) === connection) pool.delete(key);
  };

  const dial = async (destination: AmqpDestination): Promise<Connection> => {
    const model = await connect(
      {
        protocol: 'amqp',
        hostname: destination.hostname,
        port: destination.port,
        vhost: destination.vhost,
        heartbeat: HEARTBEAT_S,
        // Both unset: the client's guest/guest default (RabbitMQ's convention).
        ...(destination.username !== '' || destination.password !== '' ? { username: destination.username, password: destination.password } : {}),
      },
      { timeout: CONNECT_TIMEOUT_MS, noDelay: true, clientProperties: { connection_name: 'linkwire' } },
    );
    try {
      const channel = await model.createConfirmChannel();
      return { model, channel, returned: new Map() };
    } catch (err) {
      await model.close().catch(() => {});
      throw err;
    }
  };

  const connectionFor = (destination: AmqpDestination): Promise<Connection> => {
    const key = destination.connection;
    let connection = pool.get(key);
    if (connection === undefined) {
      const created: Promise<Connection> = dial(destination).then((c) => {
        const drop = () => {
          forget(key, created);
          void c.model.close().catch(() => {});
        };
        // 'error' is always followed by 'close'; listening to it keeps an emitted error from crashing the process.
        c.model.on('error', () => {});
        c.model.on('close', () => forget(key, created));
        c.channel.on('error', () => {});
        c.channel.on('close', drop);
        c.channel.on('return', (message: Message) => {
          const id = message.properties.messageId as string | undefined;
          // Bounded: an entry whose attempt timed out before its confirm is never read.
          if (c.returned.size > 10_000) c.returned.clear();
          // basic.return's fields carry the reply code and text (NO_ROUTE), which MessageFields does not type.
          const fields = message.fields as unknown as { replyCode?: number; replyText?: string };
          if (id !== undefined) c.returned.set(id, `${fields.replyCode ?? 312} ${fields.replyText ?? 'NO_ROUTE'}`);
        });
        return c;
      });
      created.catch(() => forget(key, created));
      pool.set(key, created);
      connection = created;
    }
    return connection;
  };

  const publish = (c: Connection, exchange: string, routingKey: string, body: Buffer, eventId: string, headers: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      c.channel.publish(
        exchange,
        routingKey,
        body,
        { persistent: true, mandatory: true, messageId: eventId, contentType: headers['content-type'] ?? 'application/json', timestamp: Math.floor(Date.now() / 1000), headers },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(`the broker refused the message (nack)`)) : resolve()),
      );
    });

  return {
    async send(request: TransportRequest): Promise<TargetResponse> {
      const started = performance.now();
      let destination: AmqpDestination;
      try {
        destination = destinationOf(request.url);
      } catch (err) {
        return brokerFailure(started, 'protocol', messageOf(err), null);
      }
      const deadline = started + request.timeoutMs;
      const where = `amqp at ${destination.address}`;
      try {
        const connection = await withinTimeout(connectionFor(destination), deadline - performance.now(), where);
        const routingKey = expandDestinationName(destination.routingKey, request.linkId, request.headers['x-linkwire-event'] ?? '');
        const headers = Object.fromEntries(messageHeaders(request.headers));
        const eventId = request.headers['webhook-id'] ?? '';
        await withinTimeout(publish(connection, destination.exchange, routingKey, Buffer.from(request.body ?? ''), eventId, headers), deadline - performance.now(), where);
        const returned = connection.returned.get(eventId);
        if (returned !== undefined) {
          connection.returned.delete(eventId);
          const exchange = destination.exchange === '' ? 'the default exchange' : `exchange "${destination.exchange}"`;
          return brokerFailure(started, 'protocol', `${where}: unroutable: ${exchange} has no queue bound for routing key "${routingKey}" (${returned})`, destination.address);
        }
        return brokerAcknowledged(started, { exchange: destination.exchange, routing_key: routingKey, confirmed: true }, destination.address);
      } catch (err) {
        return brokerFailure(started, brokerErrorKind(err), `${where}: ${messageOf(err)}`, destination.address);
      }
    },
    async close() {
      const connections = [...pool.values()];
      pool.clear();
      await Promise.allSettled(connections.map(async (c) => (await c).model.close()));
    },
  };
}

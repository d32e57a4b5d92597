import { performance } from 'node:perf_hooks';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { expandDestinationName, parseNatsDestination, type NatsDestination } from '../destinations.js';
import type { TargetResponse } from '../target-client.js';
import type { BrokerAdapter, TransportRequest } from '../transport.js';
import { brokerAcknowledged, brokerErrorKind, brokerFailure, messageHeaders, messageOf, parsedOnce, withinTimeout } from './broker-response.js';

interface Connection {
  nc: NatsConnection;
  js: JetStreamClient;
}

/** An open connection, or the dial under way. */
type Pooled = { ready: Connection } | { dialing: Promise<Connection> };

/**
 * NATS JetStream (SPEC §5c): a JetStream publish per attempt with `Nats-Msg-Id` = the event id (a
 * re-publish within the stream's duplicate window is deduplicated) and the request's headers as NATS
 * headers; success is the PubAck. One connection per server and credentials, reconnecting on its own
 * once it has connected; a first connection that fails is forgotten, so the next attempt dials again.
 */
export function createNatsJetStreamAdapter(): BrokerAdapter {
  const destinationOf = parsedOnce(parseNatsDestination);
  const pool = new Map<string, Pooled>();

  const connectionFor = (destination: NatsDestination, timeoutMs: number): Pooled => {
    let pooled = pool.get(destination.connection);
    if (pooled === undefined) {
      const dialing: Promise<Connection> = connect({
        servers: destination.address,
        name: 'linkwire',
        timeout: Math.max(1000, timeoutMs),
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        ...(destination.user !== null && destination.pass !== null ? { user: destination.user, pass: destination.pass } : {}),
        ...(destination.user !== null && destination.pass === null ? { token: destination.user } : {}),
        // No Error (with its stack) made ahead for every request in case it fails: at thousands of
        // publishes a second that was the client's largest cost (a failure still says what failed).
        noAsyncTraces: true,
      }).then((nc) => {
        const ready: Pooled = { ready: { nc, js: jetstream(nc) } };
        if (pool.get(destination.connection) === created) pool.set(destination.connection, ready);
        // Closed for good (not a reconnect): the next attempt connects anew.
        void nc.closed().then(() => {
          if (pool.get(destination.connection) === ready) pool.delete(destination.connection);
        });
        return ready.ready;
      });
      const created: Pooled = { dialing };
      dialing.catch(() => {
        if (pool.get(destination.connection) === created) pool.delete(destination.connection);
      });
      pool.set(destination.connection, created);
      pooled = created;
    }
    return pooled;
  };

  return {
    async send(request: TransportRequest): Promise<TargetResponse> {
      const started = performance.now();
      let destination: NatsDestination;
      try {
        destination = destinationOf(request.url);
      } catch (err) {
        return brokerFailure(started, 'protocol', messageOf(err), null);
      }
      const deadline = started + request.timeoutMs;
      try {
        const pooled = connectionFor(destination, request.timeoutMs);
        const { js } = 'ready' in pooled ? pooled.ready : await withinTimeout(pooled.dialing, deadline - performance.now(), `nats at ${destination.address}`);
        const subject = expandDestinationName(destination.subject, request.linkId, request.headers['x-linkwire-event'] ?? '');
        const h = natsHeaders();
        for (const [name, value] of messageHeaders(request.headers)) h.set(name, value);
        const eventId = request.headers['webhook-id'] ?? '';
        const remaining = Math.max(1, Math.floor(deadline - performance.now()));
        // The publish's own timeout bounds it (a request that gets no PubAck rejects with a TimeoutError).
        const ack = await js.publish(subject, request.body ?? '', { msgID: eventId, headers: h, timeout: remaining });
        return brokerAcknowledged(started, { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }, destination.address);
      } catch (err) {
        return brokerFailure(started, brokerErrorKind(err), `nats at ${destination.address}: ${messageOf(err)}`, destination.address);
      }
    },
    async close() {
      const connections = [...pool.values()];
      pool.clear();
      await Promise.allSettled(connections.map(async (c) => ('ready' in c ? c.ready : await c.dialing).nc.close()));
    },
  };
}

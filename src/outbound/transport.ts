import { performance } from 'node:perf_hooks';
import type { TargetClient, TargetRequest, TargetResponse } from './target-client.js';
import { createNatsJetStreamAdapter } from './brokers/nats-jetstream.js';
import { createRedisStreamsAdapter } from './brokers/redis-streams.js';
import { createAmqpAdapter } from './brokers/amqp.js';
import { createMqttAdapter } from './brokers/mqtt.js';
import { brokerFailure } from './brokers/broker-response.js';

/** One attempt as a transport sees it: the signed request, and what a broker needs to name its subject or stream. */
export interface TransportRequest extends TargetRequest {
  /** The event's link, for `{link_id}` in a subject or stream key; null for an event about no link. */
  linkId?: string | null;
}

/**
 * The delivery port (SPEC §5c): sends one signed attempt and answers in the shape of an HTTPS
 * attempt (status, response text, error, timing), so retries, logs, auto-disable and isolation work
 * the same whatever the destination is. Never rejects for a network or broker outcome.
 */
export interface DeliveryTransport {
  send(request: TransportRequest): Promise<TargetResponse>;
  close(): Promise<void>;
}

/** A broker's adapter: connections pooled per destination, reconnecting on their own. */
export type BrokerAdapter = DeliveryTransport;

/**
 * The transport chosen by the URL's scheme: http(s) goes to today's client untouched (one
 * character test in front of it), broker URLs to their adapter, created on first use.
 */
export function createDeliveryTransport(https: TargetClient, brokers: Partial<Record<string, () => BrokerAdapter>> = DEFAULT_BROKERS): DeliveryTransport {
  const adapters = new Map<string, BrokerAdapter>();
  const adapterFor = (scheme: string): BrokerAdapter | null => {
    let adapter = adapters.get(scheme);
    if (adapter === undefined) {
      const create = brokers[scheme];
      if (create === undefined) return null;
      adapter = create();
      adapters.set(scheme, adapter);
    }
    return adapter;
  };
  return {
    send(request) {
      // 'h': http: or https: (webhook URLs are stored normalised, lower-case scheme).
      if (request.url.charCodeAt(0) === 104) return https.send(request);
      const scheme = request.url.slice(0, request.url.indexOf(':') + 1);
      const adapter = adapterFor(scheme);
      if (adapter === null) return Promise.resolve(brokerFailure(performance.now(), 'protocol', `${scheme}// destinations are not delivered to by this version`, null));
      return adapter.send(request);
    },
    async close() {
      await Promise.allSettled([https.close(), ...[...adapters.values()].map((a) => a.close())]);
    },
  };
}

const DEFAULT_BROKERS: Record<string, () => BrokerAdapter> = {
  'redis:': createRedisStreamsAdapter,
  'nats:': createNatsJetStreamAdapter,
  'amqp:': createAmqpAdapter,
  'mqtt:': createMqttAdapter,
};

/**
 * The four brokers as the broker throughput bench sees them: for each, a fresh place to deliver to
 * (a Redis stream, a JetStream stream, a RabbitMQ queue, an MQTT topic), how many messages it
 * holds, and the broker's raw client publishing copies of a delivered message with the same ack
 * semantics as Linkwire's adapter (XADD reply, PubAck, publisher confirm, PUBACK), pipelined:
 * `inFlight` publishes outstanding on one connection, each awaited.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { connect as amqpConnect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { connectAsync as mqttConnect, type IPublishPacket, type MqttClient } from 'mqtt';
import { createClient } from 'redis';
import { DEFAULT_STREAM_MAXLEN } from '../../src/outbound/destinations.js';

export const BROKER_KINDS = ['redis', 'nats', 'amqp', 'mqtt'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

/** The shared brokers on this machine (../shared/notes/services.md). */
const REDIS = 'redis://127.0.0.1:6379';
const NATS = 'nats://127.0.0.1:4222';
const RABBIT = 'amqp://guest:guest@127.0.0.1:5672';
const MOSQUITTO = 'mqtt://127.0.0.1:1883';

/** What Linkwire is compared with, per broker. */
export const RAW_CLIENTS: Record<BrokerKind, string> = {
  redis: 'node-redis XADD, MAXLEN ~',
  nats: 'nats.js JetStream publish, PubAck',
  amqp: 'amqplib confirm channel, persistent',
  mqtt: 'mqtt.js QoS 1 publish, PUBACK',
};

/** LINKWIRE_DESTINATIONS for the bench's Linkwire processes. */
export const BENCH_DESTINATIONS = `${REDIS},${NATS},amqp://127.0.0.1:5672,${MOSQUITTO}`;

/** One delivered message: what the raw client sends copies of. */
export interface DeliveredMessage {
  body: Buffer;
  headers: Record<string, string>;
}

/** One fresh place on a broker (per round), its webhook URL, and the raw client for it. */
export interface BrokerTarget {
  kind: BrokerKind;
  /** What Linkwire is compared with, for the table. */
  rawClient: string;
  /** The webhook URL that delivers here. */
  url: string;
  /** Messages it holds (Linkwire's, while it drains). */
  count(): Promise<number>;
  /** The first message Linkwire delivered. */
  sample(): Promise<DeliveredMessage>;
  /** Publishes `n` copies of `message` to a place of the same kind, `inFlight` outstanding; resolves when every ack is in. */
  raw(n: number, message: DeliveredMessage, inFlight: number): Promise<void>;
  close(): Promise<void>;
}

export async function openBrokerTarget(kind: BrokerKind, tag: string): Promise<BrokerTarget> {
  switch (kind) {
    case 'redis':
      return redisTarget(tag);
    case 'nats':
      return natsTarget(tag);
    case 'amqp':
      return amqpTarget(tag);
    case 'mqtt':
      return mqttTarget(tag);
  }
}

/** `n` sends, `inFlight` at a time, each awaited before its slot sends the next. */
async function pipelined(n: number, inFlight: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

async function redisTarget(tag: string): Promise<BrokerTarget> {
  const redis = createClient({ url: REDIS });
  await redis.connect();
  const stream = `lw-bench-${tag}`;
  return {
    kind: 'redis',
    rawClient: RAW_CLIENTS.redis,
    url: `${REDIS}/0?stream=${stream}`,
    count: () => redis.xLen(stream),
    async sample() {
      const first = (await redis.xRange(stream, '-', '+', { COUNT: 1 }))?.[0];
      if (!first) throw new Error(`nothing in ${stream}`);
      const { body = '', ...headers } = first.message;
      return { body: Buffer.from(body), headers };
    },
    async raw(n, message, inFlight) {
      // The same fields and the same trim as the adapter's XADD; node-redis pipelines concurrent commands.
      const fields = { ...message.headers, body: message.body.toString() };
      await pipelined(n, inFlight, () => redis.xAdd(`${stream}-raw`, '*', fields, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: DEFAULT_STREAM_MAXLEN } }));
    },
    async close() {
      await redis.del([stream, `${stream}-raw`]);
      await redis.quit();
    },
  };
}

async function natsTarget(tag: string): Promise<BrokerTarget> {
  // No stack captured ahead per request: what a careful client (and the adapter) sets.
  const nc: NatsConnection = await natsConnect({ servers: '127.0.0.1:4222', noAsyncTraces: true });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const name = `LWBENCH_${tag.replace(/\W/g, '_')}`;
  const subject = `lwbench.${tag.replace(/\W/g, '_')}`;
  await jsm.streams.add({ name, subjects: [`${subject}.>`] });
  return {
    kind: 'nats',
    rawClient: RAW_CLIENTS.nats,
    url: `${NATS}/${subject}.lw`,
    count: async () => Number((await jsm.streams.info(name)).state.messages),
    async sample() {
      const first = await jsm.streams.getMessage(name, { seq: 1 });
      if (!first) throw new Error(`nothing in ${name}`);
      const headers: Record<string, string> = {};
      for (const [key, values] of first.header ?? []) headers[key] = values[0] ?? '';
      return { body: Buffer.from(first.data), headers };
    },
    async raw(n, message, inFlight) {
      const js = jetstream(nc);
      const h = natsHeaders();
      for (const [key, value] of Object.entries(message.headers)) h.set(key, value);
      await pipelined(n, inFlight, (i) => js.publish(`${subject}.raw`, message.body, { headers: h, msgID: `raw-${tag}-${i}`, timeout: 30_000 }));
    },
    async close() {
      await jsm.streams.delete(name);
      await nc.close();
    },
  };
}

async function amqpTarget(tag: string): Promise<BrokerTarget> {
  const model: ChannelModel = await amqpConnect(RABBIT);
  const channel: ConfirmChannel = await model.createConfirmChannel();
  const queue = `lw-bench-${tag}`;
  // Durable classic queues: persistent messages are written to disk before their confirm, for both sides.
  await channel.assertQueue(queue, { durable: true });
  await channel.assertQueue(`${queue}-raw`, { durable: true });
  return {
    kind: 'amqp',
    rawClient: RAW_CLIENTS.amqp,
    url: `${RABBIT}/?routing_key=${queue}`,
    count: async () => (await channel.checkQueue(queue)).messageCount,
    async sample() {
      const first = await channel.get(queue, { noAck: true });
      if (first === false) throw new Error(`nothing in ${queue}`);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(first.properties.headers ?? {})) headers[key] = String(value);
      return { body: first.content, headers };
    },
    async raw(n, message, inFlight) {
      // As the adapter publishes: persistent, mandatory, message_id, the headers; each confirm awaited.
      await pipelined(
        n,
        inFlight,
        (i) =>
          new Promise<void>((resolve, reject) => {
            channel.publish(
              '',
              `${queue}-raw`,
              message.body,
              { persistent: true, mandatory: true, messageId: `raw-${tag}-${i}`, contentType: 'application/json', timestamp: Math.floor(Date.now() / 1000), headers: message.headers },
              (err: unknown) => (err ? reject(new Error('nack')) : resolve()),
            );
          }),
      );
    },
    async close() {
      await channel.deleteQueue(queue);
      await channel.deleteQueue(`${queue}-raw`);
      await model.close();
    },
  };
}

async function mqttTarget(tag: string): Promise<BrokerTarget> {
  const topic = `lwbench/${tag}`;
  // A QoS 1 subscriber counts what arrives (MQTT keeps nothing to count otherwise); `topic/#` also
  // matches `topic/raw`, so the broker forwards the raw client's messages as it does Linkwire's.
  const subscriber: MqttClient = await mqttConnect(MOSQUITTO, { protocolVersion: 5, clean: true, clientId: `lwbench_sub_${tag}` });
  let received = 0;
  let first: DeliveredMessage | null = null;
  subscriber.on('message', (t: string, payload: Buffer, packet: IPublishPacket) => {
    if (t !== topic) return;
    received++;
    if (first === null) {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(packet.properties?.userProperties ?? {})) headers[key] = Array.isArray(value) ? (value[0] ?? '') : value;
      first = { body: payload, headers };
    }
  });
  await subscriber.subscribeAsync(`${topic}/#`, { qos: 1 });
  const publisher: MqttClient = await mqttConnect(MOSQUITTO, { protocolVersion: 5, clean: true, clientId: `lwbench_pub_${tag}` });
  return {
    kind: 'mqtt',
    rawClient: RAW_CLIENTS.mqtt,
    url: `${MOSQUITTO}/${topic}`,
    count: () => Promise.resolve(received),
    sample() {
      if (first === null) return Promise.reject(new Error(`nothing on ${topic}`));
      return Promise.resolve(first);
    },
    async raw(n, message, inFlight) {
      const options = { qos: 1 as const, properties: { userProperties: message.headers, contentType: 'application/json', payloadFormatIndicator: true } };
      await pipelined(n, inFlight, () => publisher.publishAsync(`${topic}/raw`, message.body, options));
    },
    async close() {
      await publisher.endAsync();
      await subscriber.endAsync();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { connectAsync as mqttConnect, type IPublishPacket } from 'mqtt';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDestinationPrefixes } from '../../src/outbound/destinations.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { createLink as createLinkAs } from '../helpers/links.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

// Real brokers on this machine (notes/services.md): RabbitMQ 5672 (guest/guest), Mosquitto 1883.
const RABBIT = 'amqp://127.0.0.1:5672';
const MOSQUITTO = 'mqtt://127.0.0.1:1883';
// 1 000 clicks per transport on SQLite; 300 on PostgreSQL, where the same code path runs but each click
// costs more on this shared 2-core machine (the 1 000 is about the volume, the dialect about the storage).
const CLICKS = { sqlite: 1000, postgres: 300 } as const;
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

const suffix = () => randomBytes(4).toString('hex');

interface Signed {
  body: string;
  headers: Record<string, string>;
}

/** Verifies a message's signature from its headers, as a consumer would, and returns the event. */
function verified(verifier: Webhook, message: Signed): { id: string; type: string; data: { link: { id: string } } } {
  return verifier.verify(message.body, {
    'webhook-id': message.headers['webhook-id']!,
    'webhook-timestamp': message.headers['webhook-timestamp']!,
    'webhook-signature': message.headers['webhook-signature']!,
  }) as { id: string; type: string; data: { link: { id: string } } };
}

describe.each(DIALECTS)('AMQP and MQTT destinations on %s', (dialect) => {
  const clicks = CLICKS[dialect];
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { destinations: parseDestinationPrefixes(`${RABBIT},${MOSQUITTO}`) } });
  });
  beforeEach(async () => {
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
  });

  const createWebhook = (body: Record<string, unknown>) => t.api('POST', '/api/webhooks', { name: 'broker', events: ['link.clicked'], ...body }, key);
  const createLink = () => createLinkAs(t, key, { url: 'https://example.com/x' });
  const clickMany = async (slug: string, n: number) => {
    for (let i = 0; i < n; i += 20) {
      const statuses = await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA } }).then((r) => r.status)));
      expect(statuses.every((s) => s === 302)).toBe(true);
    }
  };
  const deliveriesOf = async (webhookId: string, query = '') => (await t.api('GET', `/api/webhooks/${webhookId}/deliveries?limit=100${query}`, undefined, key)).json().data as { id: string; status: string; attempts_count: number }[];

  it(`publishes ${clicks} clicks to a RabbitMQ exchange with confirms, message_id and persistence, consumed with acks`, async () => {
    const tag = suffix();
    const exchange = `lw-test-${tag}`;
    const queue = `lw-test-${tag}`;
    const consumer = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const channel = await consumer.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(queue, { durable: false, exclusive: true });
    await channel.bindQueue(queue, exchange, 'clicks.#');
    try {
      const link = await createLink();
      const res = await createWebhook({ url: `amqp://guest:guest@127.0.0.1:5672/?exchange=${exchange}&routing_key=clicks.{type}.{link_id}` });
      expect(res.status, res.text).toBe(201);
      const hook = res.json();
      expect(hook.url).toBe(`amqp://guest:••••@127.0.0.1:5672/?exchange=${exchange}&routing_key=clicks.{type}.{link_id}`);

      const seen = new Map<string, number>();
      const verifier = new Webhook(hook.secret);
      const problems: string[] = [];
      await channel.consume(queue, (m) => {
        if (m === null) return;
        try {
          const headers = Object.fromEntries(Object.entries((m.properties.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
          const event = verified(verifier, { body: m.content.toString('utf8'), headers });
          if (m.properties.messageId !== event.id) problems.push(`message_id ${m.properties.messageId} is not ${event.id}`);
          if (m.properties.deliveryMode !== 2) problems.push(`delivery mode ${m.properties.deliveryMode}, not persistent`);
          if (headers['x-linkwire-event'] !== 'link.clicked') problems.push(`x-linkwire-event ${headers['x-linkwire-event']}`);
          if (headers['webhook-version'] !== '2027-01-01') problems.push(`webhook-version ${headers['webhook-version']}`);
          if (m.fields.routingKey !== `clicks.link.clicked.${link.id}`) problems.push(`routing key ${m.fields.routingKey}`);
          seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        } catch (err) {
          problems.push(String(err));
        }
        channel.ack(m);
      });
      await clickMany(link.slug, clicks);
      await until(`${clicks} messages on ${queue}`, () => seen.size >= clicks || problems.length > 0, 120_000);
      expect(problems).toEqual([]);
      expect(seen.size).toBe(clicks);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);

      // The log records the publisher confirm like a response.
      const [first] = await deliveriesOf(hook.id, '&status=succeeded');
      const detail = (await t.api('GET', `/api/deliveries/${first!.id}`, undefined, key)).json();
      expect(detail.attempts[0]).toMatchObject({ status_code: 200, error: null });
      expect(JSON.parse(detail.attempts[0].response_body)).toEqual({ exchange, routing_key: `clicks.link.clicked.${link.id}`, confirmed: true });
    } finally {
      await channel.deleteQueue(queue).catch(() => {});
      await channel.deleteExchange(exchange).catch(() => {});
      await consumer.close();
    }
  }, 240_000);

  it(`publishes ${clicks} clicks to an MQTT topic at QoS 1 with user properties, read by a QoS 1 subscriber`, async () => {
    const tag = suffix();
    const subscriber = await mqttConnect(MOSQUITTO, { protocolVersion: 5, clean: true, clientId: `lwtest_${tag}` });
    try {
      await subscriber.subscribeAsync(`lwtest/${tag}/#`, { qos: 1 });
      const link = await createLink();
      const res = await createWebhook({ url: `${MOSQUITTO}/lwtest/${tag}/{type}/{link_id}` });
      expect(res.status, res.text).toBe(201);
      const hook = res.json();

      const seen = new Map<string, number>();
      const verifier = new Webhook(hook.secret);
      const problems: string[] = [];
      subscriber.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
        try {
          const properties = (packet.properties?.userProperties ?? {}) as Record<string, string | string[]>;
          const headers = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Array.isArray(v) ? v[0]! : v]));
          const event = verified(verifier, { body: payload.toString('utf8'), headers });
          if (packet.qos !== 1) problems.push(`qos ${packet.qos}`);
          if (headers['x-linkwire-event'] !== 'link.clicked') problems.push(`x-linkwire-event ${headers['x-linkwire-event']}`);
          if (headers['webhook-version'] !== '2027-01-01') problems.push(`webhook-version ${headers['webhook-version']}`);
          if (topic !== `lwtest/${tag}/link.clicked/${link.id}`) problems.push(`topic ${topic}`);
          seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        } catch (err) {
          problems.push(String(err));
        }
      });
      await clickMany(link.slug, clicks);
      await until(`${clicks} messages on lwtest/${tag}/#`, () => seen.size >= clicks || problems.length > 0, 120_000);
      expect(problems).toEqual([]);
      expect(seen.size).toBe(clicks);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);

      const [first] = await deliveriesOf(hook.id, '&status=succeeded');
      const detail = (await t.api('GET', `/api/deliveries/${first!.id}`, undefined, key)).json();
      expect(detail.attempts[0]).toMatchObject({ status_code: 200, error: null });
      expect(JSON.parse(detail.attempts[0].response_body)).toMatchObject({ topic: `lwtest/${tag}/link.clicked/${link.id}` });
    } finally {
      await subscriber.endAsync();
    }
  }, 240_000);

  it('an AMQP message no queue is bound for fails the attempt as unroutable, in words', async () => {
    const res = await createWebhook({ url: `${RABBIT}/?exchange=&routing_key=lw-test-nobody-${suffix()}`, events: ['link.created'], retry: { mode: 'none' } });
    expect(res.status, res.text).toBe(201);
    const hook = res.json();
    await createLink();
    const [failed] = await until('the unroutable attempt to fail', async () => {
      const list = await deliveriesOf(hook.id, '&status=failed');
      return list.length ? list : null;
    }, 20_000);
    const detail = (await t.api('GET', `/api/deliveries/${failed!.id}`, undefined, key)).json();
    expect(detail.attempts[0].status_code).toBeNull();
    expect(detail.attempts[0].error).toMatch(/unroutable: the default exchange has no queue bound for routing key "lw-test-nobody-\w+" \(312 NO_ROUTE\)/);
  });

  it('refuses AMQP and MQTT urls of the wrong shape with a 400 in words', async () => {
    const noKey = await createWebhook({ url: `${RABBIT}/?exchange=x` });
    expect(noKey.status).toBe(400);
    expect(noKey.json().error.message).toMatch(/must name a routing key/);
    const unknown = await createWebhook({ url: `${RABBIT}/?exchange=x&routing_key=k&heartbeat=1` });
    expect(unknown.status).toBe(400);
    expect(unknown.json().error.message).toMatch(/unknown parameter "heartbeat"/);
    const wildcard = await createWebhook({ url: `${MOSQUITTO}/clicks/%23` });
    expect(wildcard.status).toBe(400);
    expect(wildcard.json().error.message).toMatch(/wildcards/);
    const noTopic = await createWebhook({ url: `${MOSQUITTO}/` });
    expect(noTopic.status).toBe(400);
    expect(noTopic.json().error.message).toMatch(/must name a topic/);
    const list = (await t.api('GET', '/api/webhooks', undefined, key)).json().data as unknown[];
    expect(list).toEqual([]);
  });
});

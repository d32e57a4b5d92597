import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createClient } from 'redis';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDestinationPrefixes } from '../../src/outbound/destinations.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { createLink as createLinkAs } from '../helpers/links.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';
import { freeLoopbackPort } from '../helpers/ports.js';

// Real brokers on this machine (notes/services.md): Redis 6379, NATS with JetStream 4222.
const REDIS = 'redis://127.0.0.1:6379';
const NATS = 'nats://127.0.0.1:4222';
// 1 000 clicks per transport on SQLite; 300 on PostgreSQL, where the same code path runs but each click
// costs more on this shared 2-core machine (the 1 000 is about the volume, the dialect about the storage).
const CLICKS_BY_DIALECT = { sqlite: 1000, postgres: 300 } as const;
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** A loopback "broker" that accepts connections and never says a word. */
async function silentBroker(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const suffix = () => randomBytes(4).toString('hex');

describe.each(DIALECTS)('broker destinations on %s', (dialect) => {
  const CLICKS = CLICKS_BY_DIALECT[dialect];
  let t: TestApp;
  let key: string;
  let deadPort: number;
  let silent: Awaited<ReturnType<typeof silentBroker>>;

  beforeAll(async () => {
    deadPort = await freeLoopbackPort();
    silent = await silentBroker();
    const local = (port: number) => `redis://127.0.0.1:${port},nats://127.0.0.1:${port},amqp://127.0.0.1:${port},mqtt://127.0.0.1:${port}`;
    t = await startTestApp(dialect, {
      config: { destinations: parseDestinationPrefixes(`${REDIS},${NATS},${local(deadPort)},${local(silent.port)}`) },
    });
  });
  // A workspace per test: the plan allows 5 webhooks.
  beforeEach(async () => {
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    await t?.close();
    await silent?.close();
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

  it(`delivers ${CLICKS} clicks to a Redis stream, read once each by XREADGROUP, signed for standardwebhooks`, async () => {
    const link = await createLink();
    const base = `lw-test-${suffix()}`;
    const res = await createWebhook({ url: `${REDIS}/0?stream=${base}:{link_id}&maxlen=10000` });
    expect(res.status, res.text).toBe(201);
    const hook = res.json();
    const stream = `${base}:${link.id}`;
    const consumer = createClient({ url: `${REDIS}/0` });
    await consumer.connect();
    try {
      await consumer.xGroupCreate(stream, 'readers', '0', { MKSTREAM: true });
      await clickMany(link.slug, CLICKS);

      const seen = new Map<string, number>();
      const verifier = new Webhook(hook.secret);
      await until(
        `${CLICKS} events on ${stream}`,
        async () => {
          const batches = await consumer.xReadGroup('readers', 'c1', { key: stream, id: '>' }, { COUNT: 500, BLOCK: 500 });
          for (const batch of (batches ?? []) as { messages: { id: string; message: Record<string, string> }[] }[]) {
            for (const { id, message } of batch.messages) {
              const event = verifier.verify(message.body!, {
                'webhook-id': message['webhook-id']!,
                'webhook-timestamp': message['webhook-timestamp']!,
                'webhook-signature': message['webhook-signature']!,
              }) as { id: string; type: string; data: { link: { id: string } } };
              expect(event.id).toBe(message['webhook-id']);
              expect(message['x-linkwire-event']).toBe('link.clicked');
              expect(message['webhook-version']).toBe('2027-01-01');
              expect(event.data.link.id).toBe(link.id);
              seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
              await consumer.xAck(stream, 'readers', id);
            }
          }
          return seen.size >= CLICKS;
        },
        120_000,
      );
      expect(seen.size).toBe(CLICKS);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);

      // The log records the broker's answer like a response: 200 and the XADD reply.
      const [first] = await deliveriesOf(hook.id, '&status=succeeded');
      const detail = (await t.api('GET', `/api/deliveries/${first!.id}`, undefined, key)).json();
      expect(detail.attempts[0]).toMatchObject({ status_code: 200, error: null });
      expect(JSON.parse(detail.attempts[0].response_body)).toMatchObject({ stream, id: expect.stringMatching(/^\d+-\d+$/) });
    } finally {
      await consumer.del(stream);
      consumer.destroy();
    }
  }, 240_000);

  it(`publishes ${CLICKS} clicks to JetStream with Nats-Msg-Id, read once each by a pull consumer`, async () => {
    const tag = suffix();
    const nc: NatsConnection = await natsConnect({ servers: '127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    const streamName = `LW_TEST_${tag}`;
    await jsm.streams.add({ name: streamName, subjects: [`lwtest.${tag}.>`] });
    try {
      const link = await createLink();
      const res = await createWebhook({ url: `${NATS}/lwtest.${tag}.{type}.{link_id}` });
      expect(res.status, res.text).toBe(201);
      const hook = res.json();
      await jsm.consumers.add(streamName, { durable_name: 'readers', ack_policy: AckPolicy.Explicit });
      await clickMany(link.slug, CLICKS);

      const consumer = await jetstream(nc).consumers.get(streamName, 'readers');
      const seen = new Map<string, number>();
      const verifier = new Webhook(hook.secret);
      await until(
        `${CLICKS} messages on ${streamName}`,
        async () => {
          const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
          for await (const m of batch) {
            const id = m.headers?.get('webhook-id') ?? '';
            const event = verifier.verify(m.string(), {
              'webhook-id': id,
              'webhook-timestamp': m.headers?.get('webhook-timestamp') ?? '',
              'webhook-signature': m.headers?.get('webhook-signature') ?? '',
            }) as { id: string };
            expect(event.id).toBe(id);
            expect(m.headers?.get('Nats-Msg-Id')).toBe(id);
            expect(m.subject).toBe(`lwtest.${tag}.link.clicked.${link.id}`);
            seen.set(id, (seen.get(id) ?? 0) + 1);
            m.ack();
          }
          return seen.size >= CLICKS;
        },
        120_000,
      );
      expect(seen.size).toBe(CLICKS);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const [first] = await deliveriesOf(hook.id, '&status=succeeded');
      const detail = (await t.api('GET', `/api/deliveries/${first!.id}`, undefined, key)).json();
      expect(detail.attempts[0]).toMatchObject({ status_code: 200, error: null });
      expect(JSON.parse(detail.attempts[0].response_body)).toMatchObject({ stream: streamName, duplicate: false });
    } finally {
      await jsm.streams.delete(streamName);
      await nc.close();
    }
  }, 240_000);

  it('refuses a broker not in LINKWIRE_DESTINATIONS with a 400 in words', async () => {
    const elsewhere = await createWebhook({ url: 'redis://10.20.30.40:6379/0?stream=x' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json().error.code).toBe('INVALID_URL');
    expect(elsewhere.json().error.message).toContain('LINKWIRE_DESTINATIONS');
    expect(elsewhere.json().error.message).toContain(REDIS);
    // A prefix is matched on a boundary: port 63790 is not port 6379.
    expect((await createWebhook({ url: 'redis://127.0.0.1:63790/0?stream=x' })).status).toBe(400);
    const amqp = await createWebhook({ url: 'amqp://guest:guest@127.0.0.1:5672/?exchange=x&routing_key=k' });
    expect(amqp.status).toBe(400);
    expect(amqp.json().error.message).toContain('LINKWIRE_DESTINATIONS');
    const noStream = await createWebhook({ url: `${REDIS}/0` });
    expect(noStream.status).toBe(400);
    expect(noStream.json().error.message).toMatch(/must name a stream/);
    const list = (await t.api('GET', '/api/webhooks', undefined, key)).json().data as { url: string }[];
    expect(list.some((w) => w.url.includes('10.20.30.40') || w.url.startsWith('amqp:'))).toBe(false);
  });

  it('keeps credentials in a destination url write-only: masked on read, kept when the masked url is sent back', async () => {
    const res = await createWebhook({ url: `redis://reader:hunter2-long-secret@127.0.0.1:6379/0?stream=lw-test-${suffix()}` });
    expect(res.status, res.text).toBe(201);
    const hook = res.json();
    expect(hook.url).not.toContain('hunter2');
    expect(hook.url).toContain('reader:••••@127.0.0.1:6379');
    const read = (await t.api('GET', `/api/webhooks/${hook.id}`, undefined, key)).json();
    expect(read.url).toBe(hook.url);
    const patched = await t.api('PATCH', `/api/webhooks/${hook.id}`, { url: read.url }, key);
    expect(patched.status, patched.text).toBe(200);
    const row = await t.storage.db.selectFrom('webhooks').select('url').where('id', '=', hook.id).executeTakeFirstOrThrow();
    expect(row.url).toContain('hunter2-long-secret');
    const masked = await t.api('PATCH', `/api/webhooks/${hook.id}`, { url: read.url.replace('127.0.0.1:6379/0', '127.0.0.1:6379/1') }, key);
    expect(masked.status).toBe(400);
    expect(masked.json().error.message).toMatch(/masked/);
  });

  it.each([
    ['redis', (port: number) => `redis://127.0.0.1:${port}/0?stream=lw-test-dead`],
    ['nats', (port: number) => `nats://127.0.0.1:${port}/lwtest.dead`],
    ['amqp', (port: number) => `amqp://127.0.0.1:${port}/?exchange=&routing_key=lw-test-dead`],
    ['mqtt', (port: number) => `mqtt://127.0.0.1:${port}/lwtest/dead`],
  ])('a %s broker that refuses connections is a failed attempt, retried on the schedule, in the log', async (_name, urlFor) => {
    const res = await createWebhook({ url: urlFor(deadPort), events: ['link.created'], retry: { mode: 'exponential', schedule_s: [1, 1] } });
    expect(res.status, res.text).toBe(201);
    const hook = res.json();
    await createLink();
    const [failed] = await until('the delivery to give up after 3 attempts', async () => {
      const list = await deliveriesOf(hook.id, '&status=failed');
      return list.length ? list : null;
    }, 30_000);
    expect(failed!.attempts_count).toBe(3);
    const detail = (await t.api('GET', `/api/deliveries/${failed!.id}`, undefined, key)).json();
    expect(detail.attempts).toHaveLength(3);
    for (const attempt of detail.attempts) {
      expect(attempt.status_code).toBeNull();
      expect(attempt.error).toMatch(/ECONNREFUSED|unreachable|refused/i);
    }
  });

  it.each([
    ['redis', (port: number) => `redis://127.0.0.1:${port}/0?stream=lw-test-silent`],
    ['nats', (port: number) => `nats://127.0.0.1:${port}/lwtest.silent`],
    ['amqp', (port: number) => `amqp://127.0.0.1:${port}/?exchange=&routing_key=lw-test-silent`],
    ['mqtt', (port: number) => `mqtt://127.0.0.1:${port}/lwtest/silent`],
  ])('a %s broker that never answers fails the attempt at the webhook timeout', async (_name, urlFor) => {
    const res = await createWebhook({ url: urlFor(silent.port), events: ['link.created'], timeout_ms: 1000, retry: { mode: 'none' } });
    expect(res.status, res.text).toBe(201);
    const hook = res.json();
    await createLink();
    const [failed] = await until('the attempt to time out', async () => {
      const list = await deliveriesOf(hook.id, '&status=failed');
      return list.length ? list : null;
    }, 20_000);
    const detail = (await t.api('GET', `/api/deliveries/${failed!.id}`, undefined, key)).json();
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0].status_code).toBeNull();
    expect(detail.attempts[0].error).toMatch(/did not answer within|timeout|timed out/i);
    // Bounded by timeout_ms (1 s), with room for a loaded machine, never the client's own longer defaults.
    expect(detail.attempts[0].response_time_ms).toBeGreaterThanOrEqual(900);
    expect(detail.attempts[0].response_time_ms).toBeLessThan(5000);
  });
});

/**
 * Broker delivery throughput against the broker's raw client, in one run:
 * `node --import tsx bench/broker-probe.ts [--events 2000] [--dialect sqlite|postgres] [--transport redis|nats]`.
 *
 * Outside the suite (bench/run.ts), like the other probes: in-process, on a fresh database. A
 * webhook to `redis://127.0.0.1:6379/0?stream=<key>` (or `nats://127.0.0.1:4222/<subject>`, in a
 * JetStream stream made for the run) subscribed to link.created; N links are bulk-created with the
 * api role alone (a backlog, nothing delivered), then an app with only the worker role drains it:
 * first message in the broker → last. The baseline is the raw client (node-redis XADD, JetStream
 * publish awaiting each PubAck) sending as many copies of a delivered message (same headers, same
 * body), 32 in flight (the worker's per-endpoint cap). Target: Linkwire ≥ 0.5× the raw client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { createClient } from 'redis';
import { createApp } from '../src/app.js';
import { configWith, type Role } from '../src/config.js';
import { parseDestinationPrefixes } from '../src/outbound/destinations.js';
import { createTestDatabase } from '../test/helpers/databases.js';
import { http } from '../test/helpers/http.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' }, dialect: { type: 'string', default: 'sqlite' }, transport: { type: 'string', default: 'redis' } } });
const EVENTS = Number(values.events);
const dialect = values.dialect as 'sqlite' | 'postgres';
const REDIS = 'redis://127.0.0.1:6379';
const NATS = 'nats://127.0.0.1:4222';
const IN_FLIGHT = 32;
const stream = `lw-bench-versions-${process.pid}-${Date.now()}`;

/** One broker: the webhook URL, how many messages it holds, the raw client's loop, clean-up. */
interface Broker {
  name: string;
  url: string;
  count(): Promise<number>;
  /** Sends `n` copies of the first delivered message with the raw client, IN_FLIGHT at a time. */
  raw(n: number): Promise<{ ms: number; bodyBytes: number }>;
  close(): Promise<void>;
}

async function redisBroker(): Promise<Broker> {
  const redis = createClient({ url: REDIS });
  await redis.connect();
  return {
    name: 'redis streams (node-redis XADD)',
    url: `${REDIS}/0?stream=${stream}`,
    count: () => redis.xLen(stream),
    async raw(n) {
      const sample = (await redis.xRange(stream, '-', '+', { COUNT: 1 }))?.[0];
      if (!sample) throw new Error('no message to copy');
      const t0 = Date.now();
      await inFlight(n, () => redis.xAdd(`${stream}-raw`, '*', sample.message));
      return { ms: Date.now() - t0, bodyBytes: Buffer.byteLength(sample.message.body ?? '') };
    },
    async close() {
      await redis.del([stream, `${stream}-raw`]);
      await redis.quit();
    },
  };
}

async function natsBroker(): Promise<Broker> {
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  const name = `LWBENCH_${process.pid}_${Date.now()}`;
  const subject = `lwbench.${process.pid}`;
  await jsm.streams.add({ name, subjects: [`${subject}.>`] });
  return {
    name: 'nats jetstream (publish, PubAck)',
    url: `${NATS}/${subject}.lw`,
    count: async () => Number((await jsm.streams.info(name)).state.messages),
    async raw(n) {
      const sample = await jsm.streams.getMessage(name, { seq: 1 });
      if (!sample) throw new Error('no message to copy');
      const js = jetstream(nc);
      let i = 0;
      const t0 = Date.now();
      await inFlight(n, () => js.publish(`${subject}.raw`, sample.data, { headers: sample.header, msgID: `raw-${i++}` }));
      return { ms: Date.now() - t0, bodyBytes: sample.data.length };
    },
    async close() {
      await jsm.streams.delete(name);
      await nc.close();
    },
  };
}

async function inFlight(n: number, send: () => Promise<unknown>): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < n) {
        sent++;
        await send();
      }
    }),
  );
}

const database = await createTestDatabase(dialect);
const storage = database.open();
await storage.migrate();
const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-broker-probe-'));
const appWith = (roles: Role[]) =>
  createApp({
    config: configWith({ logLevel: 'silent', dnsServer: { host: '127.0.0.1', port: 9 }, journalDir, destinations: parseDestinationPrefixes(`${REDIS},${NATS}`), roles: new Set(roles) }),
    storage,
    logLevel: 'silent',
  });
const broker = values.transport === 'nats' ? await natsBroker() : await redisBroker();
try {
  // The backlog, with no worker running.
  const api = await appWith(['api']);
  const url = await api.listen(0, '127.0.0.1');
  const signup = await http(url, 'POST', '/api/auth/signup', { body: { email: 'broker@example.com', password: 'a long password' } });
  const key = signup.json<{ api_key: string }>().api_key;
  const hook = await http(url, 'POST', '/api/webhooks', { token: key, body: { url: broker.url, events: ['link.created'], retry: { mode: 'none' } } });
  if (hook.status !== 201) throw new Error(hook.text);
  for (let made = 0; made < EVENTS; made += 500) {
    const links = Array.from({ length: Math.min(500, EVENTS - made) }, (_, i) => ({ url: `https://example.com/backlog/${made + i}`, title: `Backlog link ${made + i}` }));
    const res = await http(url, 'POST', '/api/links/bulk', { token: key, body: { links } });
    if (res.status !== 201) throw new Error(res.text);
  }
  await api.close();

  // Linkwire: a worker drains it.
  const started = Date.now();
  const worker = await appWith(['worker']);
  await worker.listen(0, '127.0.0.1');
  let firstAt: number | null = null;
  for (;;) {
    const len = await broker.count();
    if (len > 0 && firstAt === null) firstAt = Date.now();
    if (len >= EVENTS) break;
    if (Date.now() - started > 120_000) throw new Error(`only ${len} of ${EVENTS} delivered in 120 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const drainMs = Date.now() - (firstAt ?? started);
  await worker.close();

  // The raw client: as many copies of a delivered message, 32 in flight.
  const raw = await broker.raw(EVENTS);
  const lw = (EVENTS * 1000) / drainMs;
  const rawRate = (EVENTS * 1000) / raw.ms;
  console.log(
    `${dialect} · ${broker.name} · ${EVENTS} deliveries of ${raw.bodyBytes} B bodies: Linkwire ${lw.toFixed(0)}/s (first→last ${drainMs} ms) · raw ${rawRate.toFixed(0)}/s · ${(lw / rawRate).toFixed(2)}× (target ≥ 0.5×) ${lw / rawRate >= 0.5 ? 'PASS' : 'MISS'}`,
  );
} finally {
  await broker.close();
  await storage.close();
  await database.drop();
  rmSync(journalDir, { recursive: true, force: true });
}

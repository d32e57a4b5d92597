/**
 * Broker delivery throughput against the broker's raw client, in one run:
 * `node --import tsx bench/broker-probe.ts [--events 2000] [--dialect sqlite|postgres]` (Redis Streams).
 *
 * Outside the suite (bench/run.ts), like the other probes: in-process, on a fresh database. A
 * webhook to `redis://127.0.0.1:6379/0?stream=<key>` subscribed to link.created; N links are
 * bulk-created with the api role alone (a backlog, nothing delivered), then an app with only the
 * worker role drains it: first delivery → last succeeded delivery. The baseline is node-redis
 * XADDing the same number of messages with the same fields (the headers and a body of the same
 * size), 32 in flight (the worker's per-endpoint cap). Target: Linkwire ≥ 0.5× the raw client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { createApp } from '../src/app.js';
import { configWith, type Role } from '../src/config.js';
import { parseDestinationPrefixes } from '../src/outbound/destinations.js';
import { createTestDatabase } from '../test/helpers/databases.js';
import { http } from '../test/helpers/http.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' }, dialect: { type: 'string', default: 'sqlite' } } });
const EVENTS = Number(values.events);
const dialect = values.dialect as 'sqlite' | 'postgres';
const REDIS = 'redis://127.0.0.1:6379';
const IN_FLIGHT = 32;
const stream = `lw-bench-versions-${process.pid}-${Date.now()}`;

const database = await createTestDatabase(dialect);
const storage = database.open();
await storage.migrate();
const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-broker-probe-'));
const appWith = (roles: Role[]) =>
  createApp({
    config: configWith({ logLevel: 'silent', dnsServer: { host: '127.0.0.1', port: 9 }, journalDir, destinations: parseDestinationPrefixes(REDIS), roles: new Set(roles) }),
    storage,
    logLevel: 'silent',
  });
const redis = createClient({ url: REDIS });
await redis.connect();
try {
  // The backlog, with no worker running.
  const api = await appWith(['api']);
  const url = await api.listen(0, '127.0.0.1');
  const signup = await http(url, 'POST', '/api/auth/signup', { body: { email: 'broker@example.com', password: 'a long password' } });
  const key = signup.json<{ api_key: string }>().api_key;
  const hook = await http(url, 'POST', '/api/webhooks', { token: key, body: { url: `${REDIS}/0?stream=${stream}`, events: ['link.created'], retry: { mode: 'none' } } });
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
    const len = await redis.xLen(stream);
    if (len > 0 && firstAt === null) firstAt = Date.now();
    if (len >= EVENTS) break;
    if (Date.now() - started > 120_000) throw new Error(`only ${len} of ${EVENTS} delivered in 120 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const drainMs = Date.now() - (firstAt ?? started);
  const sample = (await redis.xRange(stream, '-', '+', { COUNT: 1 }))?.[0];
  if (!sample) throw new Error('no message to copy');
  await worker.close();

  // The raw client: the same messages, 32 in flight.
  const rawStream = `${stream}-raw`;
  const fields = sample.message;
  let sent = 0;
  const rawStarted = Date.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < EVENTS) {
        sent++;
        await redis.xAdd(rawStream, '*', fields);
      }
    }),
  );
  const rawMs = Date.now() - rawStarted;
  const lw = (EVENTS * 1000) / drainMs;
  const raw = (EVENTS * 1000) / rawMs;
  console.log(
    `${dialect} · redis streams · ${EVENTS} deliveries of ${Buffer.byteLength(fields.body ?? '')} B bodies: Linkwire ${lw.toFixed(0)}/s (first→last ${drainMs} ms; worker start→last ${Date.now() - started - rawMs} ms) · raw node-redis XADD ${raw.toFixed(0)}/s · ${(lw / raw).toFixed(2)}× (target ≥ 0.5×) ${lw / raw >= 0.5 ? 'PASS' : 'MISS'}`,
  );
  await redis.del([stream, rawStream]);
} finally {
  await redis.quit();
  await storage.close();
  await database.drop();
  rmSync(journalDir, { recursive: true, force: true });
}

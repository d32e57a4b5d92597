/**
 * CPU cost of Linkwire's own redirect work, without the network: a redirect-only app (journal
 * written, not ingested) answers N counted clicks handed to its request listener as in-memory
 * requests, 50 per event-loop turn (as 50 keep-alive connections would arrive). Prints CPU µs
 * per click (process.cpuUsage: this thread plus libuv's pool doing the journal writes) — a figure
 * that a busy shared machine barely moves, unlike req/s. Optionally writes a CPU profile.
 *
 *   node --import tsx bench/redirect-cpu-probe.ts [clicks=200000] [--prof]
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import type { Link } from '../src/links/link-schema.js';
import { startTestApp } from '../test/helpers/test-app.js';
import { BROWSER_UA } from './lib/http-load.js';

const total = Number(process.argv[2] ?? 200_000);
const profile = process.argv.includes('--prof');
const PER_TURN = 50;

const t = await startTestApp('sqlite');
await t.signup();
const link = (await t.api('POST', '/api/links', { url: 'https://example.com/bench', slug: 'bench' })).json<Link>();
const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-cpu-probe-'));
const app = await createApp({
  config: { ...t.config, roles: new Set(['redirect']), journalDir },
  storage: t.storage,
  logLevel: 'silent',
  journalMode: 'write-only',
});
const listener = app.server.listeners('request')[0] as (req: unknown, res: unknown) => void;

const host = new URL(t.url).host;
let ended = 0;
let statusOther = 0;
/** An emitter like http.ServerResponse: 'finish' is emitted once the answer is written. */
class FakeResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  constructor(readonly req: unknown) {
    super();
  }
  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }
  end(): void {
    this.writableEnded = true;
    if (this.statusCode !== 302) statusOther++;
    ended++;
    this.emit('finish');
  }
  destroy(): void {
    ended++;
  }
}
function request(i: number): void {
  const req = { method: 'GET', url: `/${link.slug}`, headers: { host, 'user-agent': BROWSER_UA, accept: '*/*' }, socket: { remoteAddress: '127.0.0.1' } };
  const res = new FakeResponse(req);
  void i;
  listener(req, res);
}

async function run(count: number): Promise<void> {
  const target = ended + count;
  let sent = 0;
  while (ended < target) {
    const inFlight = sent - (ended - (target - count));
    for (let k = 0; k < PER_TURN - inFlight && sent < count; k++) request(sent++);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

await run(20_000); // warm-up (JIT, caches)
const session = new Session();
if (profile) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await run(total);
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - wall0;
if (profile) {
  const { profile: p } = await session.post('Profiler.stop');
  const file = join(tmpdir(), `redirect-cpu-probe-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(p));
  process.stdout.write(`profile: ${file}\n`);
}
process.stdout.write(
  `${total} clicks: ${(((cpu.user + cpu.system) / total)).toFixed(2)} CPU µs per click (user ${(cpu.user / total).toFixed(2)}, system ${(cpu.system / total).toFixed(2)}), ${Math.round(total / (wall / 1000))} clicks/s wall${statusOther ? `, ${statusOther} not 302` : ''}\n`,
);
await app.close();
rmSync(journalDir, { recursive: true, force: true });
await t.close();

import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CidrSet, parseCidrList } from '../../src/net/cidr.js';
import { createTargetClient, type TargetClient, type TargetClientOptions, type TargetRequest } from '../../src/outbound/target-client.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { loadTlsFixtures } from '../helpers/tls-fixtures.js';

// The lean send path (pinned pools, one deadline timer, body read in the dispatch handler) against
// real TLS servers on loopback. Every address here is 127.0.0.0/8; refusals are checked by the
// receiving side never seeing a connection.

let receiver: Receiver;
let dns: TestDnsServer;
const clients: TargetClient[] = [];
const cleanups: (() => Promise<void>)[] = [];

function client(options: Partial<TargetClientOptions> = {}): TargetClient {
  const created = createTargetClient({
    allowPrivate: new CidrSet(parseCidrList('127.0.0.0/8')),
    dnsServer: { host: dns.host, port: dns.port },
    ...options,
  });
  clients.push(created);
  return created;
}

const post = (url: string, timeoutMs = 5000): TargetRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"n":1}',
  timeoutMs,
});

beforeEach(async () => {
  receiver = await startReceiver();
  dns = await startDnsServer({ 'hooks.lw.test': { A: ['127.0.0.1'] }, 'wrong.example': { A: ['127.0.0.1'] } });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all([receiver.close(), dns.close()]);
});

/** A TLS server answering with raw bytes, each write `gapMs` after the last (a trickling receiver). */
async function startTrickler(parts: string[], gapMs: number, host = '127.0.0.1', port = 0): Promise<{ port: number; sockets: Socket[] }> {
  const { cert, key } = loadTlsFixtures();
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const server: TlsServer = createTlsServer({ cert, key }, (socket: TLSSocket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      parts.forEach((part, i) => timers.push(setTimeout(() => socket.writable && socket.write(part), i * gapMs)));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  cleanups.push(async () => {
    timers.forEach(clearTimeout);
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port, sockets };
}

/** An HTTPS server on `host:port` that answers `name` to every request (to tell two addresses apart). */
async function startNamedServer(name: string, host: string, port = 0): Promise<{ port: number; requests: () => number }> {
  const { cert, key } = loadTlsFixtures();
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: HttpsServer = createHttpsServer({ cert, key }, (req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.end(name));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  cleanups.push(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port, requests: () => requests };
}

describe('the send deadline is total time, not time between bytes', () => {
  it('cuts a receiver that trickles its body a byte at a time at timeout_ms, keeping the status and what arrived', async () => {
    // Each byte well inside any per-chunk idle timeout; the whole body would take 3 s.
    const head = 'HTTP/1.1 200 OK\r\ncontent-length: 30\r\n\r\n';
    const trickler = await startTrickler([head, ...'abcdefghijklmnopqrstuvwxyz0123'.split('')], 100);
    const startedAt = Date.now();
    const result = await client().send(post(`https://127.0.0.1:${trickler.port}/hook`, 1000));
    const elapsed = Date.now() - startedAt;
    expect(result).toMatchObject({ statusCode: 200, errorKind: 'timeout', error: 'timeout after 1000 ms (reading the body)', remoteAddress: '127.0.0.1' });
    expect(result.body.length).toBeGreaterThan(3);
    expect(result.body.length).toBeLessThan(30);
    expect('abcdefghijklmnopqrstuvwxyz0123'.startsWith(result.body)).toBe(true);
    expect(elapsed).toBeLessThan(1000 + 500);
  });

  it('cuts a receiver that trickles its head at timeout_ms', async () => {
    const head = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-slow: 1\r\n\r\nok';
    const trickler = await startTrickler(head.split(''), 60);
    const result = await client().send(post(`https://127.0.0.1:${trickler.port}/hook`, 1000));
    expect(result).toMatchObject({ statusCode: null, errorKind: 'timeout', error: 'timeout after 1000 ms', remoteAddress: '127.0.0.1' });
  });

  it('answers on time for a send still waiting for a connection behind a hanging one', async () => {
    receiver.setResponder((request) => (request.path === '/hang' ? { hang: true } : {}));
    const c = client({ connectionsPerOrigin: 1 });
    const hanging = c.send(post(receiver.urlFor('127.0.0.1', '/hang'), 1500));
    await receiver.waitForRequests(1);
    const startedAt = Date.now();
    const queued = await c.send(post(receiver.url, 400));
    expect(queued).toMatchObject({ statusCode: null, errorKind: 'timeout', error: 'timeout after 400 ms' });
    expect(Date.now() - startedAt).toBeLessThan(400 + 500);
    expect(await hanging).toMatchObject({ errorKind: 'timeout' });
    // The one connection is usable again once the hanging send gave up.
    receiver.setResponder(() => ({}));
    expect(await c.send(post(receiver.url))).toMatchObject({ statusCode: 200, body: 'ok' });
  });
});

describe('connections', () => {
  it('opens no more connections than sends in flight, and reuses them', async () => {
    const c = client({ connectionsPerOrigin: 64 });
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(Array.from({ length: 16 }, () => c.send(post(receiver.url))));
      expect(results.every((r) => r.statusCode === 200)).toBe(true);
    }
    expect(receiver.requests).toHaveLength(80);
    expect(receiver.connectionCount).toBeLessThanOrEqual(16);
  });

  it('keeps reporting a certificate for another name as tls, send after send, and still closes', async () => {
    const c = client();
    for (let i = 0; i < 3; i++) {
      const result = await c.send(post(receiver.urlFor('wrong.example'), 3000));
      expect(result, `send ${i + 1}`).toMatchObject({ statusCode: null, errorKind: 'tls' });
    }
    expect(receiver.requests).toHaveLength(0);
    // The same client still delivers to a good name.
    expect(await c.send(post(receiver.urlFor('hooks.lw.test')))).toMatchObject({ statusCode: 200 });
  });

  it('sends to the address DNS gives now, never over a pooled connection to the one it gave before', async () => {
    const one = await startNamedServer('one', '127.0.0.1');
    const two = await startNamedServer('two', '127.0.0.2', one.port);
    const c = client();
    const url = `https://hooks.lw.test:${one.port}/hook`;
    expect(await c.send(post(url))).toMatchObject({ statusCode: 200, body: 'one', remoteAddress: '127.0.0.1' });
    dns.set('hooks.lw.test', { A: ['127.0.0.2'] });
    expect(await c.send(post(url))).toMatchObject({ statusCode: 200, body: 'two', remoteAddress: '127.0.0.2' });
    dns.set('hooks.lw.test', { A: ['127.0.0.1'] });
    expect(await c.send(post(url))).toMatchObject({ statusCode: 200, body: 'one', remoteAddress: '127.0.0.1' });
    expect([one.requests(), two.requests()]).toEqual([2, 1]);
  });
});

describe('refusals come before any connection', () => {
  it('refuses every one of many concurrent sends to a name that resolves to a blocked address, asking DNS once per overlap', async () => {
    const c = client({ allowPrivate: new CidrSet([]) });
    const results = await Promise.all(Array.from({ length: 20 }, () => c.send(post(receiver.urlFor('hooks.lw.test')))));
    for (const result of results) {
      expect(result).toMatchObject({ statusCode: null, errorKind: 'blocked', error: 'target blocked: hooks.lw.test resolves to 127.0.0.1 (loopback)' });
    }
    expect(receiver.connectionCount).toBe(0);
    // One A and one AAAA query for the 20 overlapping sends.
    expect(dns.queries.filter((q) => q.name.toLowerCase() === 'hooks.lw.test')).toHaveLength(2);
  });

  it('refuses a blocked literal address again at every send, after an allowed one went out on the same client', async () => {
    const c = client({ allowPrivate: new CidrSet(parseCidrList('127.0.0.1/32')) });
    expect(await c.send(post(receiver.url))).toMatchObject({ statusCode: 200 });
    for (let i = 0; i < 3; i++) {
      expect(await c.send(post(`https://127.0.0.2:${receiver.port}/hook`))).toMatchObject({
        errorKind: 'blocked',
        error: 'target blocked: 127.0.0.2 (loopback)',
        remoteAddress: null,
      });
    }
    expect(receiver.connectionCount).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('asks DNS afresh at every send once earlier answers are in, so a rebinding to a blocked address is refused', async () => {
    const c = client({ allowPrivate: new CidrSet(parseCidrList('127.0.0.1/32')) });
    expect(await c.send(post(receiver.urlFor('hooks.lw.test')))).toMatchObject({ statusCode: 200 });
    dns.set('hooks.lw.test', { A: ['127.0.0.1', '127.0.0.3'] });
    expect(await c.send(post(receiver.urlFor('hooks.lw.test')))).toMatchObject({ errorKind: 'blocked' });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('responses', () => {
  it('skips an interim 1xx head and reports the final status and headers', async () => {
    const head = 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 4\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\ndone';
    const trickler = await startTrickler([head], 0);
    const result = await client().send(post(`https://127.0.0.1:${trickler.port}/hook`));
    expect(result).toMatchObject({ statusCode: 201, body: 'done', errorKind: null });
    expect(result.headers['set-cookie']).toBe('a=1, b=2');
    expect(result.headers.link).toBeUndefined();
  });
});

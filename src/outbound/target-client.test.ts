import { createServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CidrSet, parseCidrList } from '../net/cidr.js';
import { startDnsServer, type TestDnsServer } from '../../test/helpers/dns-server.js';
import { startReceiver, type Receiver } from '../../test/helpers/https-receiver.js';
import { createTargetClient, type TargetClient, type TargetClientOptions } from './target-client.js';

// Loopback only: every address below is 127.0.0.0/8 or ::1, and the refusal tests
// check that the local receiver saw no connection at all.

const allowLoopback = new CidrSet(parseCidrList('127.0.0.1/32'));
const allowNone = new CidrSet([]);

let receiver: Receiver;
let dns: TestDnsServer;
const clients: TargetClient[] = [];
const extraReceivers: Receiver[] = [];

function client(options: Partial<TargetClientOptions> = {}): TargetClient {
  const created = createTargetClient({ allowPrivate: allowLoopback, dnsServer: { host: dns.host, port: dns.port }, ...options });
  clients.push(created);
  return created;
}

const post = (url: string, extra: { timeoutMs?: number; body?: string } = {}) => ({
  url,
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', 'x-test': 'yes' },
  body: extra.body ?? '{"hello":"world"}',
  timeoutMs: extra.timeoutMs ?? 5000,
});

beforeEach(async () => {
  receiver = await startReceiver();
  dns = await startDnsServer({
    'hooks.lw.test': { A: ['127.0.0.1'] },
    'mixed.lw.test': { A: ['127.0.0.1', '127.0.0.2'] },
    'dual.lw.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
    'wrong.example': { A: ['127.0.0.1'] },
    'fallback.lw.test': { A: ['127.0.0.2', '127.0.0.1'] },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all([receiver.close(), dns.close(), ...extraReceivers.splice(0).map((r) => r.close())]);
});

describe('createTargetClient delivers', () => {
  it('to an allow-listed literal IP over verified TLS', async () => {
    const result = await client().send(post(receiver.url));
    expect(result).toMatchObject({ statusCode: 200, body: 'ok', error: null, errorKind: null, remoteAddress: '127.0.0.1' });
    expect(result.headers['content-type']).toBe('text/plain');
    expect(result.responseTimeMs).toBeGreaterThanOrEqual(0);
    const [request] = await receiver.waitForRequests(1);
    expect(request).toMatchObject({ method: 'POST', path: '/hook', rawBody: '{"hello":"world"}', servername: null });
    expect(request?.headers['x-test']).toBe('yes');
    expect(request?.headers.host).toBe(`127.0.0.1:${receiver.port}`);
  });

  it('to a host name resolved through the configured DNS server, with SNI and Host of that name', async () => {
    const result = await client().send(post(receiver.urlFor('HOOKS.lw.test', '/hook?a=1')));
    expect(result).toMatchObject({ statusCode: 200, errorKind: null, remoteAddress: '127.0.0.1' });
    const [request] = await receiver.waitForRequests(1);
    expect(request).toMatchObject({ path: '/hook?a=1', servername: 'hooks.lw.test' });
    expect(request?.headers.host).toBe(`hooks.lw.test:${receiver.port}`);
    expect(dns.queries.map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
  });

  it('with HEAD and GET and no body', async () => {
    const c = client();
    const head = await c.send({ url: receiver.url, method: 'HEAD', headers: {}, timeoutMs: 5000 });
    const get = await c.send({ url: receiver.url, method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(head).toMatchObject({ statusCode: 200, body: '' });
    expect(get).toMatchObject({ statusCode: 200, body: 'ok' });
    expect(receiver.requests.map((r) => [r.method, r.rawBody])).toEqual([
      ['HEAD', ''],
      ['GET', ''],
    ]);
  });

  it('over plain http only to an allow-listed address', async () => {
    const plain = createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'));
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as { port: number }).port;
    try {
      const allowed = await client().send(post(`http://hooks.lw.test:${port}/x`));
      expect(allowed).toMatchObject({ statusCode: 204, errorKind: null });
      const refused = await client({ allowPrivate: allowNone }).send(post(`http://127.0.0.1:${port}/x`));
      expect(refused).toMatchObject({ statusCode: null, errorKind: 'blocked' });
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('reuses one keep-alive connection for sequential sends', async () => {
    const c = client();
    for (let i = 0; i < 4; i++) expect((await c.send(post(receiver.urlFor('hooks.lw.test')))).statusCode).toBe(200);
    expect(new Set(receiver.requests.map((r) => r.socketId)).size).toBe(1);
    expect(receiver.connectionCount).toBe(1);
  });

  it('tries the next vetted address when one refuses the connection', async () => {
    const c = client({ allowPrivate: new CidrSet(parseCidrList('127.0.0.0/8')) });
    const result = await c.send(post(receiver.urlFor('fallback.lw.test')));
    expect(result).toMatchObject({ statusCode: 200, remoteAddress: '127.0.0.1' });
  });
});

describe('createTargetClient refuses before connecting', () => {
  it('a name resolving to loopback when nothing is allow-listed', async () => {
    const result = await client({ allowPrivate: allowNone }).send(post(receiver.urlFor('hooks.lw.test')));
    expect(result).toMatchObject({ statusCode: null, errorKind: 'blocked', remoteAddress: null });
    expect(result.error).toBe('target blocked: hooks.lw.test resolves to 127.0.0.1 (loopback)');
    expect(receiver.connectionCount).toBe(0);
  });

  it('a name with one blocked answer among allowed ones', async () => {
    const c = client();
    const mixed = await c.send(post(receiver.urlFor('mixed.lw.test')));
    expect(mixed).toMatchObject({ errorKind: 'blocked', error: 'target blocked: mixed.lw.test resolves to 127.0.0.2 (loopback)' });
    const dual = await c.send(post(receiver.urlFor('dual.lw.test')));
    expect(dual).toMatchObject({ errorKind: 'blocked', error: 'target blocked: dual.lw.test resolves to ::1 (loopback)' });
    expect(receiver.connectionCount).toBe(0);
  });

  it('a literal private address, in any spelling, without an allow-list', async () => {
    const c = client({ allowPrivate: allowNone });
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]']) {
      const result = await c.send(post(`https://${host}:${receiver.port}/hook`));
      expect(result, host).toMatchObject({ errorKind: 'blocked', remoteAddress: null });
      expect(result.error).toMatch(/^target blocked: .* \(loopback\)$/);
    }
    expect(receiver.connectionCount).toBe(0);
  });

  it('a rebound name even though a connection to the old address is pooled', async () => {
    const c = client();
    expect((await c.send(post(receiver.urlFor('hooks.lw.test')))).statusCode).toBe(200);
    dns.set('hooks.lw.test', { A: ['127.0.0.2'] });
    const result = await c.send(post(receiver.urlFor('hooks.lw.test')));
    expect(result).toMatchObject({ errorKind: 'blocked', error: 'target blocked: hooks.lw.test resolves to 127.0.0.2 (loopback)' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('anything that is not http(s) or not a URL', async () => {
    const c = client();
    expect(await c.send(post('ftp://127.0.0.1/x'))).toMatchObject({ errorKind: 'blocked' });
    expect(await c.send(post('not a url'))).toMatchObject({ errorKind: 'blocked' });
  });
});

describe('createTargetClient reports failures without throwing', () => {
  it('returns a 3xx as it is and never follows it', async () => {
    const other = await startReceiver();
    extraReceivers.push(other);
    receiver.setResponder(() => ({ status: 302, headers: { location: other.url }, body: 'moved' }));
    const result = await client().send(post(receiver.url));
    expect(result).toMatchObject({ statusCode: 302, body: 'moved', errorKind: null });
    expect(result.headers.location).toBe(other.url);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.connectionCount).toBe(0);
  });

  it('times out against a receiver that never answers, within the deadline', async () => {
    receiver.setResponder(() => ({ hang: true }));
    const startedAt = Date.now();
    const result = await client().send(post(receiver.url, { timeoutMs: 400 }));
    const elapsed = Date.now() - startedAt;
    expect(result).toMatchObject({ statusCode: null, errorKind: 'timeout', error: 'timeout after 400 ms', remoteAddress: '127.0.0.1' });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(400 + 300);
    expect(result.responseTimeMs).toBeLessThan(400 + 300);
  });

  it('opens no connection after a send timed out: the next connection is for the next send', async () => {
    receiver.setResponder(() => ({ hang: true }));
    const c = client();
    const results = await Promise.all([c.send(post(receiver.url, { timeoutMs: 300 })), c.send(post(receiver.url, { timeoutMs: 300 }))]);
    expect(results.map((r) => r.errorKind)).toEqual(['timeout', 'timeout']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One connection per send; none opened for nothing to an endpoint that hangs.
    expect(receiver.connectionCount).toBe(2);
    receiver.setResponder(() => ({}));
    expect((await c.send(post(receiver.url))).statusCode).toBe(200);
    expect(receiver.connectionCount).toBe(3);
  });

  it('times out an answer slower than the deadline', async () => {
    receiver.setResponder(() => ({ delayMs: 2000 }));
    const result = await client().send(post(receiver.url, { timeoutMs: 300 }));
    expect(result).toMatchObject({ statusCode: null, errorKind: 'timeout' });
  });

  it('times out a body that stops half-way, keeping the status and what arrived', async () => {
    const sockets: Socket[] = [];
    const stalling = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial'));
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const port = (stalling.address() as { port: number }).port;
    try {
      const result = await client().send(post(`http://127.0.0.1:${port}/x`, { timeoutMs: 400 }));
      expect(result).toMatchObject({ statusCode: 200, body: 'partial', errorKind: 'timeout' });
      expect(result.responseTimeMs).toBeLessThan(400 + 300);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => stalling.close(resolve));
    }
  });

  it('keeps only the first 4 KiB of a 1 MB answer', async () => {
    receiver.setResponder(() => ({ body: 'x'.repeat(1024 * 1024) }));
    const c = client();
    const result = await c.send(post(receiver.url));
    expect(result).toMatchObject({ statusCode: 200, errorKind: null });
    expect(result.body).toBe('x'.repeat(4096));
    // The client is still usable afterwards.
    receiver.setResponder(() => ({}));
    expect((await c.send(post(receiver.url))).body).toBe('ok');
  });

  it('never splits a UTF-8 character at the 4 KiB cut', async () => {
    receiver.setResponder(() => ({ body: '€'.repeat(2000) })); // 3 bytes each
    const result = await client().send(post(receiver.url));
    expect(result.body).toBe('€'.repeat(1365));
  });

  it('reports a certificate that does not match the name as tls', async () => {
    const result = await client().send(post(receiver.urlFor('wrong.example')));
    expect(result).toMatchObject({ statusCode: null, errorKind: 'tls', remoteAddress: '127.0.0.1' });
    expect(result.error).toMatch(/^tls: /);
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports an unknown name as dns', async () => {
    const result = await client().send(post(receiver.urlFor('missing.lw.test')));
    expect(result).toMatchObject({ statusCode: null, errorKind: 'dns' });
    expect(result.error).toContain('missing.lw.test');
  });

  it('reports a refused connection as connect', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await client().send(post(`https://127.0.0.1:${port}/hook`));
    expect(result).toMatchObject({ statusCode: null, errorKind: 'connect', remoteAddress: '127.0.0.1' });
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('reports a header undici refuses as protocol instead of throwing', async () => {
    const result = await client().send({ url: receiver.url, headers: { 'transfer-encoding': 'chunked' }, body: 'x', timeoutMs: 2000 });
    expect(result).toMatchObject({ statusCode: null, errorKind: 'protocol' });
  });

  it('reports a dead DNS server as dns or timeout, never throwing', async () => {
    const deadDns = createServer();
    await new Promise<void>((resolve) => deadDns.listen(0, '127.0.0.1', resolve));
    const port = (deadDns.address() as { port: number }).port;
    await new Promise((resolve) => deadDns.close(resolve));
    const result = await client({ dnsServer: { host: '127.0.0.1', port } }).send(post(receiver.urlFor('hooks.lw.test'), { timeoutMs: 1500 }));
    expect(['dns', 'timeout']).toContain(result.errorKind);
    expect(receiver.connectionCount).toBe(0);
  });
});

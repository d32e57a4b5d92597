import { IncomingMessage, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIp } from './client-ip.js';

interface Seen {
  trusted: string;
  untrusted: string;
}

describe('clientIp over a real HTTP connection', () => {
  const server = createServer((req, res) => {
    const seen: Seen = { trusted: clientIp(req, true), untrusted: clientIp(req, false) };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(seen));
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function send(headers: Record<string, string | string[]> = {}): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body) as Seen));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('uses the socket address when there is no X-Forwarded-For', async () => {
    expect(await send()).toEqual({ trusted: '127.0.0.1', untrusted: '127.0.0.1' });
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const seen = await send({ 'x-forwarded-for': '203.0.113.7, 10.0.0.2' });
    expect(seen.untrusted).toBe('127.0.0.1');
    expect(seen.trusted).toBe('203.0.113.7');
  });

  it('takes the left-most valid entry, skipping garbage and stripping ports and brackets', async () => {
    expect((await send({ 'x-forwarded-for': 'unknown, _hidden, 198.51.100.4:51234, 10.0.0.1' })).trusted).toBe('198.51.100.4');
    expect((await send({ 'x-forwarded-for': ' [2001:db8::17]:443 , 10.0.0.1' })).trusted).toBe('2001:db8::17');
    expect((await send({ 'x-forwarded-for': '2001:db8::18' })).trusted).toBe('2001:db8::18');
    expect((await send({ 'x-forwarded-for': '::ffff:192.0.2.9' })).trusted).toBe('192.0.2.9');
  });

  it('reads repeated X-Forwarded-For headers in order', async () => {
    expect((await send({ 'x-forwarded-for': ['nonsense', '192.0.2.33', '192.0.2.44'] })).trusted).toBe('192.0.2.33');
  });

  it('falls back to the socket address when no entry is valid', async () => {
    expect((await send({ 'x-forwarded-for': 'unknown, 999.1.1.1, [::1' })).trusted).toBe('127.0.0.1');
    expect((await send({ 'x-forwarded-for': '' })).trusted).toBe('127.0.0.1');
  });
});

describe('clientIp over a socket that is not a live connection', () => {
  function requestFrom(remoteAddress: string | undefined, headers: IncomingHttpHeaders = {}): IncomingMessage {
    const req = new IncomingMessage({ remoteAddress } as unknown as Socket);
    req.headers = headers;
    return req;
  }

  it('unmaps IPv4-mapped IPv6 socket addresses (dual-stack listeners)', () => {
    expect(clientIp(requestFrom('::ffff:203.0.113.50'), false)).toBe('203.0.113.50');
    expect(clientIp(requestFrom('::FFFF:203.0.113.50'), true)).toBe('203.0.113.50');
  });

  it('keeps real IPv6 addresses', () => {
    expect(clientIp(requestFrom('2001:db8::1'), false)).toBe('2001:db8::1');
  });

  it('returns an empty string instead of throwing when the socket has no address', () => {
    expect(clientIp(requestFrom(undefined), false)).toBe('');
    expect(clientIp(requestFrom(undefined, { 'x-forwarded-for': 'garbage' }), true)).toBe('');
    expect(clientIp(requestFrom(undefined, { 'x-forwarded-for': '192.0.2.1' }), true)).toBe('192.0.2.1');
  });
});

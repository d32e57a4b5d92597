import { IncomingMessage, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIp, parseTrustProxy, TRUST_NONE } from './client-ip.js';

describe('clientIp over a real HTTP connection', () => {
  // The test names the policy in a header so one server can answer for each.
  const server = createServer((req, res) => {
    res.end(clientIp(req, parseTrustProxy(String(req.headers['x-test-trust'] ?? ''))));
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function send(trust: string, forwarded?: string | string[]): Promise<string> {
    const headers: Record<string, string | string[]> = { 'x-test-trust': trust };
    if (forwarded !== undefined) headers['x-forwarded-for'] = forwarded;
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('uses the socket address when there is no X-Forwarded-For or no trust', async () => {
    expect(await send('1')).toBe('127.0.0.1');
    expect(await send('', '203.0.113.7')).toBe('127.0.0.1');
    expect(await send('false', '203.0.113.7')).toBe('127.0.0.1');
  });

  it('with one trusted hop (true or 1) takes the right-most entry, never a spoofed left-most one', async () => {
    // The client wrote 203.0.113.7 itself; our proxy appended the address it really saw.
    expect(await send('1', '203.0.113.7, 198.51.100.20')).toBe('198.51.100.20');
    expect(await send('true', '203.0.113.7, 198.51.100.20')).toBe('198.51.100.20');
  });

  it('with two hops takes the second entry from the right', async () => {
    expect(await send('2', '203.0.113.7, 198.51.100.20, 10.0.0.2')).toBe('198.51.100.20');
    // Fewer entries than hops: the left-most there is.
    expect(await send('3', '198.51.100.21')).toBe('198.51.100.21');
  });

  it('with a CIDR list walks left past the listed proxies only', async () => {
    expect(await send('127.0.0.0/8, 10.0.0.0/8', '203.0.113.7, 198.51.100.20, 10.0.0.2')).toBe('198.51.100.20');
    // The socket is not a listed proxy: X-Forwarded-For is ignored altogether.
    expect(await send('10.0.0.0/8', '203.0.113.7')).toBe('127.0.0.1');
  });

  it('strips ports and brackets and stops at garbage', async () => {
    expect(await send('1', '10.0.0.1, 198.51.100.4:51234')).toBe('198.51.100.4');
    expect(await send('1', '10.0.0.1, [2001:db8::17]:443')).toBe('2001:db8::17');
    expect(await send('1', '::ffff:192.0.2.9')).toBe('192.0.2.9');
    expect(await send('2', '203.0.113.7, unknown, 198.51.100.4')).toBe('198.51.100.4');
    expect(await send('1', 'unknown')).toBe('127.0.0.1');
  });

  it('reads repeated X-Forwarded-For headers in order', async () => {
    expect(await send('1', ['192.0.2.33', '192.0.2.44'])).toBe('192.0.2.44');
  });
});

describe('parseTrustProxy', () => {
  it('reads hop counts and CIDR lists and refuses garbage', () => {
    expect(parseTrustProxy(undefined)).toEqual(TRUST_NONE);
    expect(parseTrustProxy('0')).toEqual(TRUST_NONE);
    expect(parseTrustProxy('true')).toEqual({ kind: 'hops', hops: 1 });
    expect(parseTrustProxy('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(parseTrustProxy('10.0.0.0/8,::1')).toMatchObject({ kind: 'cidrs', cidrs: [{ address: '10.0.0.0', prefix: 8 }, { address: '::1', prefix: 128 }] });
    expect(() => parseTrustProxy('proxy.example.com')).toThrow(/not an IP address/);
  });
});

describe('clientIp over a socket that is not a live connection', () => {
  function requestFrom(remoteAddress: string | undefined, headers: IncomingHttpHeaders = {}): IncomingMessage {
    const req = new IncomingMessage({ remoteAddress } as unknown as Socket);
    req.headers = headers;
    return req;
  }
  const oneHop = parseTrustProxy('1');

  it('unmaps IPv4-mapped IPv6 socket addresses (dual-stack listeners)', () => {
    expect(clientIp(requestFrom('::ffff:203.0.113.50'), TRUST_NONE)).toBe('203.0.113.50');
    expect(clientIp(requestFrom('::FFFF:203.0.113.50'), oneHop)).toBe('203.0.113.50');
  });

  it('keeps real IPv6 addresses', () => {
    expect(clientIp(requestFrom('2001:db8::1'), TRUST_NONE)).toBe('2001:db8::1');
  });

  it('returns an empty string instead of throwing when the socket has no address', () => {
    expect(clientIp(requestFrom(undefined), TRUST_NONE)).toBe('');
    // Nobody to vouch for the header: it is not believed.
    expect(clientIp(requestFrom(undefined, { 'x-forwarded-for': '192.0.2.1' }), oneHop)).toBe('');
  });
});

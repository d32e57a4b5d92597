import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { openSse, type SseConnection } from '../helpers/sse.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

interface ErrorBody {
  error: { code: string; message: string };
}

interface Silent {
  socket: Socket;
  closed: boolean;
  received: string;
}

/** Opens a TCP connection that never sends a byte; records what the server says and when it closes. */
function silentSocket(url: string): Promise<Silent> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const silent: Silent = { socket, closed: false, received: '' };
    socket.on('data', (d: Buffer) => (silent.received += d.toString('latin1')));
    socket.on('close', () => (silent.closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(silent));
    socket.once('error', reject);
  });
}

describe.each(DIALECTS)('idle sockets and event streams on %s (issue 21 item 5)', (dialect) => {
  let t: TestApp;
  let key: string;
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { headersTimeoutMs: 1_000, maxConnections: 40, streamsPerKey: 3, streamsPerWorkspace: 5 } });
    ({ key } = await t.signup());
  });
  afterAll(async () => {
    for (const s of streams) s.drop();
    await t?.close();
  });

  it('a connection that never sends a byte is answered 408 and closed after the headers timeout', async () => {
    const started = Date.now();
    const silent = await Promise.all(Array.from({ length: 30 }, () => silentSocket(t.url)));
    // Within the (1 s) headers timeout plus the check interval; the default (20 s) is set the same way.
    await until('every silent socket to be closed', () => silent.every((s) => s.closed), 20_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(silent.every((s) => s.received.startsWith('HTTP/1.1 408'))).toBe(true);
  });

  it('connections over LINKWIRE_MAX_CONNECTIONS are refused at once; visitors get in again once the silent ones are gone', async () => {
    const silent = await Promise.all(Array.from({ length: 40 }, () => silentSocket(t.url)));
    const over = await silentSocket(t.url);
    await until('the connection over the cap to be closed', () => over.closed, 5_000);
    expect(over.received).toBe('');
    expect(silent.filter((s) => s.closed).length).toBeLessThan(40);
    await until('every silent socket to be closed', () => silent.every((s) => s.closed), 20_000);
    expect((await http(t.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('event streams are capped per key and per workspace with 429 and Retry-After', async () => {
    const streamUrl = `${t.url}/api/events/stream`;
    const open = async (token: string) => {
      const s = await openSse(streamUrl, { authorization: `Bearer ${token}` });
      streams.push(s);
      return s;
    };
    for (let i = 0; i < 3; i++) expect((await open(key)).status).toBe(200);
    const refused = await fetch(streamUrl, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as ErrorBody).error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('this key already has 3 (at most 3, LINKWIRE_STREAMS_PER_KEY)') });

    const second = (await t.api('POST', '/api/workspace/api-keys', { name: 'second' }, key)).json().key as string;
    expect((await open(second)).status).toBe(200);
    expect((await open(second)).status).toBe(200);
    const workspaceFull = await fetch(streamUrl, { headers: { authorization: `Bearer ${second}` } });
    expect(workspaceFull.status).toBe(429);
    expect(((await workspaceFull.json()) as ErrorBody).error.message).toContain('this workspace already has 5 (at most 5, LINKWIRE_STREAMS_PER_WORKSPACE)');

    // A stream that ends gives its place back.
    streams[0]!.drop();
    await until('the dropped stream to be closed', () => t.app.streams.size === 4, 5_000);
    expect((await open(key)).status).toBe(200);
  });
});

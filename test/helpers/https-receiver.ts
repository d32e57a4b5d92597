import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { loadTlsFixtures } from './tls-fixtures.js';

/**
 * A real HTTPS webhook receiver on 127.0.0.1 for tests, serving the fixture certificate
 * (trusted when NODE_EXTRA_CA_CERTS=test/fixtures/tls/ca.pem, as the test scripts set).
 *
 *   const receiver = await startReceiver();
 *   // …point a webhook at receiver.url…
 *   const [req] = await receiver.waitForRequests(1);
 *   expect(JSON.parse(req.rawBody).type).toBe('link.clicked');
 *   await receiver.close();
 *
 * Every request is answered 200 "ok" unless a responder says otherwise; it runs once the
 * whole request body has arrived.
 */
export interface ReceivedRequest {
  method: string;
  /** Path plus query string, e.g. `/hook?x=1`. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  rawBody: string;
  /** Date.now() when the body had fully arrived. */
  receivedAt: number;
  /** Which TLS connection carried it (1, 2, …): equal ids mean a reused keep-alive socket. */
  socketId: number;
  /** The TLS SNI the client sent (null for none, as with IP-literal URLs). */
  servername: string | null;
}

export interface ReceiverResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer; the socket stays open until the client gives up or close() runs. */
  hang?: boolean;
  /** Send the head (status and headers) at once, then one byte of body every this many ms, forever. */
  trickleMs?: number;
}

export type Responder = (request: ReceivedRequest) => ReceiverResponse;

export interface ReceiverOptions {
  respond?: Responder;
}

export interface Receiver {
  /** `https://127.0.0.1:PORT/hook` */
  url: string;
  port: number;
  /** Every request received so far, oldest first (a live array). */
  requests: ReceivedRequest[];
  /** TCP connections accepted so far, including ones whose TLS handshake failed. */
  readonly connectionCount: number;
  /** The same receiver under another host name or address, e.g. `urlFor('hooks.lw.test')`. */
  urlFor(host: string, path?: string): string;
  /** Resolves with all requests once at least `n` arrived; rejects after `timeoutMs` (default 5 s). */
  waitForRequests(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  setResponder(respond: Responder): void;
  /** Stops listening and destroys every socket, hanging ones included. */
  close(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const { cert, key } = loadTlsFixtures();
  let respond: Responder = options.respond ?? (() => ({}));
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const socketIds = new WeakMap<TLSSocket, number>();
  let connectionCount = 0;
  let lastSocketId = 0;

  const server: Server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: flattenHeaders(req),
        rawBody: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
        socketId: socketIds.get(req.socket as TLSSocket) ?? 0,
        servername: (req.socket as TLSSocket).servername || null,
      };
      requests.push(received);
      for (const wake of waiters) wake();
      answer(res, respond(received));
    });
  });

  function answer(res: ServerResponse, response: ReceiverResponse): void {
    if (response.hang) return;
    if (response.trickleMs !== undefined) {
      res.writeHead(response.status ?? 200, { 'content-type': 'text/plain', ...response.headers });
      res.flushHeaders();
      const timer = setInterval(() => res.write('.'), response.trickleMs);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return;
    }
    const send = () => {
      res.writeHead(response.status ?? 200, response.headers ?? { 'content-type': 'text/plain' });
      res.end(response.body ?? 'ok');
    };
    if (!response.delayMs) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, response.delayMs);
    timers.add(timer);
  }

  server.on('connection', (socket: Socket) => {
    connectionCount += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => socketIds.set(socket, ++lastSocketId));
  // A client rejecting our certificate is expected in TLS tests: not an error here.
  server.on('tlsClientError', () => {});

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver has no TCP address');
  const port = address.port;

  return {
    url: `https://127.0.0.1:${port}/hook`,
    port,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    urlFor: (host, path = '/hook') => `https://${host}:${port}${path}`,
    waitForRequests(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...requests]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${requests.length} of ${n} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    setResponder(next) {
      respond = next;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

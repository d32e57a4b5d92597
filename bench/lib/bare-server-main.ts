/**
 * The redirect baseline: a bare node:http server in its own process answering every request
 * with the same fixed 302 (and the same response headers) Linkwire's redirect sends.
 */
import { createServer } from 'node:http';
import { send, serveRpc } from './child-ipc.js';

const server = createServer((_req, res) => {
  res.writeHead(302, { 'cache-control': 'private, no-store', 'referrer-policy': 'unsafe-url', location: 'https://example.com/bench' });
  res.end();
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  serveRpc({});
  send({ type: 'ready', port: (server.address() as { port: number }).port });
});

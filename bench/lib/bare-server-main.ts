/**
 * The redirect baselines: a bare node:http server in its own process answering every request
 * with the same fixed 302 (and the same response headers) Linkwire's redirect sends. With
 * `appendFile`, each request's line is first appended to that file — all requests that arrived in
 * one event-loop turn with one write() on an O_APPEND descriptor — and the 302 is sent only after
 * the write returned: the cost of a journal, without Linkwire.
 */
import { openSync, write } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { helperConfig, send, serveRpc } from './child-ipc.js';

const { appendFile } = helperConfig<{ appendFile?: string }>();

function answer(res: ServerResponse): void {
  res.writeHead(302, { 'cache-control': 'private, no-store', 'referrer-policy': 'unsafe-url', location: 'https://example.com/bench' });
  res.end();
}

let enqueue: (line: string, res: ServerResponse) => void = (_line, res) => answer(res);
if (appendFile) {
  const fd = openSync(appendFile, 'a');
  let lines: string[] = [];
  let waiting: ServerResponse[] = [];
  let scheduled = false;
  let writing = false;
  const flush = () => {
    scheduled = false;
    if (writing || waiting.length === 0) return;
    const batch = waiting;
    const text = lines.join('');
    lines = [];
    waiting = [];
    writing = true;
    write(fd, text, null, 'utf8', (err) => {
      writing = false;
      for (const res of batch) {
        if (err) res.destroy();
        else answer(res);
      }
      if (waiting.length > 0 && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
  enqueue = (line, res) => {
    lines.push(line);
    waiting.push(res);
    if (!scheduled && !writing) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

const server = createServer((req, res) => {
  enqueue(`${Date.now()} ${req.url ?? ''} ${req.headers['user-agent'] ?? ''}\n`, res);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  serveRpc({});
  send({ type: 'ready', port: (server.address() as { port: number }).port });
});

/**
 * A webhook receiver in its own process: HTTPS on 127.0.0.1 with the test certificate
 * (test/fixtures/tls, trusted by senders through NODE_EXTRA_CA_CERTS=test/fixtures/tls/ca.pem).
 *
 * mode "record": answers every request 200 at once and records, per distinct `webhook-id`, when
 *   it arrived, its path, and (parse: true) the click number `n` from the body
 *   (`data.click.params.n`, or a top-level `n` for the direct-POST baseline).
 * mode "hang": listens on `ports` ports and never answers; sockets stay open until the
 *   sender gives up or this process ends.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { helperConfig, nowMs, send, serveRpc } from './child-ipc.js';

interface Config {
  mode: 'record' | 'hang';
  ports?: number;
  parse?: boolean;
}

const config = helperConfig<Config>();
const tls = {
  cert: readFileSync('test/fixtures/tls/server.pem'),
  key: readFileSync('test/fixtures/tls/server-key.pem'),
};

let total = 0;
let duplicates = 0;
let connections = 0;
let seen = new Set<string>();
let at: number[] = [];
let ns: (number | null)[] = [];
let paths: string[] = [];
let sample: { body: string; headers: Record<string, string | string[] | undefined> } | null = null;
let bodyBytes = 0;
const sockets = new Set<Socket>();

function reset(): void {
  total = 0;
  duplicates = 0;
  seen = new Set();
  at = [];
  ns = [];
  paths = [];
  sample = null;
  bodyBytes = 0;
}

function numberFrom(body: string): number | null {
  try {
    const json = JSON.parse(body) as { n?: unknown; data?: { click?: { params?: { n?: unknown } } } };
    const raw = json.data?.click?.params?.n ?? json.n;
    const n = Number(raw);
    return raw === undefined || !Number.isFinite(n) ? null : n;
  } catch {
    return null;
  }
}

function track(server: Server): void {
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  server.keepAliveTimeout = 30_000;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

async function main(): Promise<void> {
  const servers: Server[] = [];
  if (config.mode === 'record') {
    const server = createServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const arrived = nowMs();
        const body = Buffer.concat(chunks).toString('utf8');
        total++;
        bodyBytes += body.length;
        const header = req.headers['webhook-id'];
        const id = typeof header === 'string' ? header : `anon-${total}`;
        if (seen.has(id)) {
          duplicates++;
        } else {
          seen.add(id);
          at.push(arrived);
          paths.push(req.url ?? '');
          ns.push(config.parse ? numberFrom(body) : null);
          sample ??= { body, headers: req.headers };
        }
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
        res.end('ok');
      });
    });
    track(server);
    servers.push(server);
  } else {
    for (let i = 0; i < (config.ports ?? 1); i++) {
      const server = createServer(tls, (req) => {
        total++;
        req.resume(); // read the body, never answer
      });
      track(server);
      server.requestTimeout = 0;
      server.headersTimeout = 0;
      servers.push(server);
    }
  }
  const ports = await Promise.all(servers.map(listen));

  serveRpc({
    count: () => ({
      unique: at.length,
      total,
      duplicates,
      connections,
      openSockets: sockets.size,
      first: at.length ? at[0] : null,
      last: at.length ? at[at.length - 1] : null,
    }),
    arrivals: () => ({ at, n: ns, path: paths }),
    sample: () => ({ sample, avgBodyBytes: at.length ? bodyBytes / total : 0 }),
    reset: () => {
      reset();
      return true;
    },
  });
  send({ type: 'ready', ports });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

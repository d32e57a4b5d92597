/**
 * The send path alone, A/B: build a signed delivery (src/delivery/request.ts) and send it through
 * the target client (src/outbound/target-client.ts) to an HTTPS receiver on 127.0.0.1 in its own
 * process, 32 in flight, against a bare undici Pool doing the same POSTs. Each round is a fresh
 * child process; variants alternate round by round, so a neighbour's load hits them alike.
 * Prints, per round and as medians: sends/s and the sender's CPU time per send (user + system).
 *
 *   node --import tsx bench/send-probe.ts [rounds] [sends] [variant=root …]
 *
 * A variant is `name=<checkout root>` (that checkout's src/ is imported: e.g. old=/tmp/main) or
 * `raw` (the bare Pool). Default: `new=<this checkout> raw`. SEND_PROBE_PREBUILT=1 sends one
 * request built up front every time (the client alone, without building and signing).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as TargetClientModule from '../src/outbound/target-client.js';
import type * as RequestModule from '../src/delivery/request.js';
import type * as CidrModule from '../src/net/cidr.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CONCURRENCY = 32;
const WARMUP = 2000;

type Role = 'parent' | 'receiver' | 'client';
const role = (process.env.SEND_PROBE_ROLE ?? 'parent') as Role;

if (role === 'receiver') {
  const server = createServer(
    { cert: readFileSync(`${ROOT}test/fixtures/tls/server.pem`), key: readFileSync(`${ROOT}test/fixtures/tls/server-key.pem`) },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
        res.end('ok');
      });
    },
  );
  server.keepAliveTimeout = 60_000;
  // TLS connections accepted, reported (and reset) whenever the parent asks: how many the sender opened.
  let connections = 0;
  server.on('secureConnection', () => connections++);
  process.on('message', () => {
    process.send?.({ connections });
    connections = 0;
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
} else if (role === 'client') {
  const [variant, root, portText, sendsText] = process.argv.slice(2) as [string, string, string, string];
  const result = await runClient(variant, root, Number(portText), Number(sendsText));
  process.send?.(result);
  process.exit(0);
} else {
  await runParent();
}

interface RoundResult {
  /** TLS connections the receiver accepted during the round (warm-up included). */
  connections?: number;
  perSecond: number;
  cpuUsPerSend: number;
  failed: number;
  firstError: string | null;
}

async function runClient(variant: string, root: string, port: number, sends: number): Promise<RoundResult> {
  const url = `https://127.0.0.1:${port}/hook`;
  const body = JSON.stringify({ pad: 'x'.repeat(800) });
  let send: (n: number) => Promise<boolean>;
  let close: () => Promise<void>;
  let firstError: string | null = null;
  if (variant === 'raw') {
    const { Pool } = await import('undici');
    const pool = new Pool(`https://127.0.0.1:${port}`, { connections: Number(process.env.SEND_PROBE_RAW_CONNECTIONS ?? CONCURRENCY), pipelining: 1, keepAliveTimeout: 30_000 });
    send = async (n) => {
      const res = await pool.request({
        path: '/hook',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': `raw_${n}` },
        body,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      await res.body.dump();
      return res.statusCode === 200;
    };
    close = () => pool.destroy();
  } else {
    const client = (await import(pathToFileURL(`${root}/src/outbound/target-client.ts`).href)) as typeof TargetClientModule;
    const request = (await import(pathToFileURL(`${root}/src/delivery/request.ts`).href)) as typeof RequestModule;
    const { CidrSet, parseCidrList } = (await import(pathToFileURL(`${root}/src/net/cidr.ts`).href)) as typeof CidrModule;
    const target = client.createTargetClient({ allowPrivate: new CidrSet(parseCidrList('127.0.0.1/32')), dnsServer: null, connectionsPerOrigin: Number(process.env.SEND_PROBE_CONNECTIONS ?? 64) });
    const webhook = {
      id: 'wh_probe',
      workspaceId: 'ws_probe',
      name: 'probe',
      url,
      events: '*' as const,
      linkIds: [],
      filter: null,
      active: true,
      timeoutMs: 10_000,
      retry: { mode: 'none' as const },
      format: 'standard' as const,
      headers: {},
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      previousSecret: null,
      previousSecretExpiresAt: null,
      consecutiveFailures: 0,
      failingSince: null,
      disabledAt: null,
      disabledReason: null,
      createdAt: 0,
      updatedAt: 0,
    } as unknown as Parameters<typeof request.buildDeliveryRequest>[0]['webhook'];
    // SEND_PROBE_PREBUILT=1: one request built up front and sent every time (the client alone, no signing).
    const prebuilt = process.env.SEND_PROBE_PREBUILT
      ? request.buildDeliveryRequest({ webhook, event: { id: 'evt_probe', type: 'link.created', timestamp: Date.now(), workspace_id: 'ws_probe', data: body, actor: null }, deliveryId: 'dlv_probe', attempt: 1, nowMs: Date.now() })
      : null;
    send = async (n) => {
      const event = { id: `evt_probe${n}`, type: 'link.created', timestamp: Date.now(), workspace_id: 'ws_probe', data: body, actor: null };
      const built = prebuilt ?? request.buildDeliveryRequest({ webhook, event, deliveryId: `dlv_probe${n}`, attempt: 1, nowMs: Date.now() });
      const response = await target.send({ url: built.url, method: 'POST', headers: built.headers, body: built.body, timeoutMs: webhook.timeoutMs });
      if (response.error !== null) firstError ??= response.error;
      return response.statusCode === 200;
    };
    close = () => target.close();
  }

  let failed = 0;
  const loop = async (count: number) => {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const n = next++;
        try {
          if (!(await send(n))) failed++;
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  await loop(WARMUP);
  failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await loop(sends);
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await close();
  return { perSecond: (sends * 1000) / elapsed, cpuUsPerSend: (used.user + used.system) / sends, failed, firstError };
}

async function runParent(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Number(args[0] ?? 5);
  const sends = Number(args[1] ?? 20_000);
  const variants = (args.length > 2 ? args.slice(2) : [`new=${ROOT}`, 'raw']).map((v) => {
    const [name, root] = v.split('=') as [string, string | undefined];
    return { name, root: root ?? ROOT, kind: name === 'raw' ? 'raw' : 'linkwire' };
  });

  const receiver = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, SEND_PROBE_ROLE: 'receiver' }, execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => receiver.once('message', (m: { port: number }) => resolve(m.port)));
  const results = new Map<string, RoundResult[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        const child: ChildProcess = fork(fileURLToPath(import.meta.url), [variant.kind === 'raw' ? 'raw' : variant.name, variant.root, String(port), String(sends)], {
          env: { ...process.env, SEND_PROBE_ROLE: 'client', NODE_EXTRA_CA_CERTS: `${ROOT}test/fixtures/tls/ca.pem` },
          execArgv: ['--import', 'tsx'],
        });
        const result = await new Promise<RoundResult>((resolve, reject) => {
          child.once('message', (m: RoundResult) => resolve(m));
          child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${code}`)));
        });
        receiver.send('count');
        result.connections = await new Promise<number>((resolve) => receiver.once('message', (m: { connections: number }) => resolve(m.connections)));
        results.get(variant.name)?.push(result);
        console.log(
          `round ${round} ${variant.name.padEnd(6)} ${Math.round(result.perSecond).toString().padStart(6)} sends/s  ${result.cpuUsPerSend.toFixed(1).padStart(6)} µs CPU/send  ${result.connections} connections` +
            (result.failed ? `  failed ${result.failed} (${result.firstError})` : ''),
        );
      }
    }
  } finally {
    receiver.kill();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`\nmedians over ${rounds} rounds of ${sends} sends (${CONCURRENCY} in flight, after ${WARMUP} warm-up sends):`);
  for (const [name, rs] of results) {
    console.log(`${name.padEnd(6)} ${Math.round(median(rs.map((r) => r.perSecond))).toString().padStart(6)} sends/s  ${median(rs.map((r) => r.cpuUsPerSend)).toFixed(1).padStart(6)} µs CPU/send`);
  }
}

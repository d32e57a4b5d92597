/**
 * The delivery-throughput baseline: a bare undici POST loop in its own process — `count` POSTs
 * of the same JSON body to the receiver, `concurrency` at a time over `concurrency` keep-alive
 * connections, each with its own webhook-id so the receiver counts them like deliveries.
 */
import { Pool } from 'undici';
import { helperConfig, nowMs, serveRpc } from './child-ipc.js';

interface Config {
  origin: string;
  path: string;
  count: number;
  concurrency: number;
  body: string;
}

const config = helperConfig<Config>();

async function run() {
  const pool = new Pool(config.origin, { connections: config.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  const started = nowMs();
  const worker = async () => {
    while (next < config.count) {
      const n = next++;
      try {
        const res = await pool.request({
          path: config.path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': `raw_${n}` },
          body: config.body,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
        else failed++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  const elapsedMs = nowMs() - started;
  await pool.destroy();
  return { ok, failed, firstError, elapsedMs };
}

serveRpc({ run: () => run() });
process.send?.({ type: 'ready' });

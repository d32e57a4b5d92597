/**
 * Open-loop load in its own process: request i is sent at start + i/rate whatever happened to
 * earlier ones (a pool with plenty of connections so nothing queues behind a slow answer).
 *
 * mode "click": GET <origin><path>?n=<i>  (a redirect; the click carries params.n)
 * mode "post":  POST <origin><path> with {"n": i, "pad": "…"} padded to bodyBytes, webhook-id direct_<i>
 *               (the transport baseline: the same receiver, reached directly)
 *
 * Answers the RPC "run" with when each request was sent (wall-clock ms, sub-ms resolution).
 */
import { Pool } from 'undici';
import { helperConfig, nowMs, serveRpc } from './child-ipc.js';

interface Config {
  origin: string;
  mode: 'click' | 'post';
  path: string;
  rate: number;
  durationMs: number;
  connections: number;
  userAgent: string;
  bodyBytes?: number;
}

const config = helperConfig<Config>();

function postBody(n: number): string {
  const base = JSON.stringify({ n, pad: '' });
  const pad = Math.max(0, (config.bodyBytes ?? 0) - base.length);
  return JSON.stringify({ n, pad: 'x'.repeat(pad) });
}

async function run() {
  const pool = new Pool(config.origin, { connections: config.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.round((config.rate * config.durationMs) / 1000);
  const sentAt = new Array<number>(total).fill(0);
  const responseMs: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;
  let maxLagMs = 0;
  const inflight = new Set<Promise<void>>();

  const fire = (i: number) => {
    const t0 = nowMs();
    sentAt[i] = t0;
    const p = (
      config.mode === 'click'
        ? pool.request({ path: `${config.path}?n=${i}`, method: 'GET', headers: { 'user-agent': config.userAgent } })
        : pool.request({
            path: config.path,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': config.userAgent, 'webhook-id': `direct_${i}` },
            body: postBody(i),
          })
    )
      .then(async (res) => {
        await res.body.dump();
        responseMs.push(nowMs() - t0);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      })
      .catch((err: unknown) => {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  const start = nowMs();
  let i = 0;
  while (i < total) {
    const now = nowMs();
    const due = Math.min(total, Math.floor(((now - start) * config.rate) / 1000) + 1);
    while (i < due) {
      maxLagMs = Math.max(maxLagMs, nowMs() - (start + (i * 1000) / config.rate));
      fire(i++);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const sendingMs = nowMs() - start;
  // Wait (bounded) for the last answers.
  await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, 30_000))]);
  const unanswered = inflight.size;
  await pool.destroy();
  responseMs.sort((a, b) => a - b);
  const pct = (p: number) => (responseMs.length ? responseMs[Math.min(responseMs.length - 1, Math.ceil((p / 100) * responseMs.length) - 1)]! : null);
  return {
    sentAt,
    total,
    sendingMs,
    statuses,
    errors,
    firstError,
    unanswered,
    maxLagMs,
    responseP50Ms: pct(50),
    responseP99Ms: pct(99),
  };
}

serveRpc({ run: () => run() });
process.send?.({ type: 'ready' });

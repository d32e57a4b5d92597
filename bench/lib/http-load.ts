import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, spawnNode, spawnProgram, type Child } from './procs.js';

/** A real browser's User-Agent: counted as a click, parsed like one. Sent to both servers. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

export interface LoadTool {
  name: 'wrk' | 'autocannon';
  version: string;
  path: string;
}

const WRK_CANDIDATES = ['/usr/bin/wrk', '/usr/local/bin/wrk'];

/** wrk when it is installed (lighter on a shared 2-core box), else autocannon from node_modules. */
export function detectTool(forced?: string): LoadTool {
  if (forced !== 'autocannon') {
    for (const path of WRK_CANDIDATES) {
      if (!existsSync(path)) continue;
      let version = 'wrk';
      try {
        execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        // wrk --version prints its banner and exits 1
        const out = `${(err as { stdout?: string }).stdout ?? ''}`;
        version = out.split('\n')[0]?.replace(/\s+Copyright.*$/, '').trim() || 'wrk';
      }
      return { name: 'wrk', version, path };
    }
    if (forced === 'wrk') throw new Error('--tool wrk: wrk is not installed');
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string };
  return { name: 'autocannon', version: `autocannon ${pkg.version}`, path: join(ROOT, 'node_modules/autocannon/autocannon.js') };
}

export interface LoadResult {
  tool: string;
  connections: number;
  durationS: number;
  /** Completed requests per second. */
  rps: number;
  completed: number;
  /** Requests written (some may still have been in flight when the tool stopped). */
  sent: number;
  status302: number;
  statusOther: number;
  socketErrors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Closed-loop load: `connections` keep-alive connections, each sending the next GET as soon as the last answered. */
export async function runHttpLoad(tool: LoadTool, url: string, options: { connections: number; durationS: number }): Promise<LoadResult> {
  const { connections, durationS } = options;
  let child: Child;
  if (tool.name === 'wrk') {
    child = spawnProgram('wrk', tool.path, [
      '-t2',
      `-c${connections}`,
      `-d${durationS}s`,
      '--timeout',
      '10s',
      '-s',
      'bench/wrk/count.lua',
      '-H',
      `User-Agent: ${BROWSER_UA}`,
      url,
    ]);
  } else {
    child = spawnNode('autocannon', [tool.path, '-c', String(connections), '-d', String(durationS), '-j', '-H', `user-agent=${BROWSER_UA}`, url]);
  }
  const timer = setTimeout(() => void child.stop(1_000), (durationS + 60) * 1000);
  const { code } = await child.exited;
  clearTimeout(timer);
  const out = child.output();
  if (code !== 0) throw new Error(`${tool.name} exited with ${code}: ${out.slice(-2000)}`);

  if (tool.name === 'wrk') {
    const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
    if (!line) throw new Error(`wrk printed no result: ${out.slice(-2000)}`);
    const r = JSON.parse(line.slice('BENCH_JSON '.length)) as {
      requests: number;
      duration_us: number;
      sent: number;
      status_302: number;
      status_other: number;
      errors: Record<string, number>;
      latency_us: { p50: number; p99: number; max: number };
    };
    const seconds = r.duration_us / 1e6;
    return {
      tool: tool.version,
      connections,
      durationS: seconds,
      rps: r.requests / seconds,
      completed: r.requests,
      sent: r.sent,
      status302: r.status_302,
      statusOther: r.status_other,
      socketErrors: (r.errors.connect ?? 0) + (r.errors.read ?? 0) + (r.errors.write ?? 0) + (r.errors.timeout ?? 0),
      p50Ms: r.latency_us.p50 / 1000,
      p99Ms: r.latency_us.p99 / 1000,
      maxMs: r.latency_us.max / 1000,
    };
  }

  const start = out.indexOf('{');
  const r = JSON.parse(out.slice(start, out.lastIndexOf('}') + 1)) as {
    duration: number;
    requests: { total: number; sent: number };
    latency: { p50: number; p99: number; max: number };
    statusCodeStats: Record<string, { count: number }>;
    errors: number;
    timeouts: number;
  };
  const status302 = r.statusCodeStats['302']?.count ?? 0;
  const all = Object.values(r.statusCodeStats).reduce((s, c) => s + c.count, 0);
  return {
    tool: tool.version,
    connections,
    durationS: r.duration,
    rps: r.requests.total / r.duration,
    completed: r.requests.total,
    sent: r.requests.sent,
    status302,
    statusOther: all - status302,
    socketErrors: r.errors + r.timeouts,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
  };
}

/**
 * Time from spawning a start command to the first 200 on /healthz, for the start command before
 * issue 24 (`npm run build && node dist/main.js serve`: a full build on every start) and after
 * (`npm start`: builds only when a source changed), alternately, in the same run, each on a fresh
 * SQLite database in a temp directory (never ./data).
 *
 *   node --import tsx bench/start-time.ts [rounds=3]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const COMMANDS = {
  before: 'npm run build --silent && node dist/main.js serve',
  after: 'npm start --silent',
};

async function timeToHealthy(command: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'linkwire-start-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn('sh', ['-c', command], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), LINKWIRE_DATABASE_URL: `sqlite:${join(dir, 'linkwire.db')}`, LINKWIRE_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`${command} exited before /healthz answered:\n${stderr}`);
      if (performance.now() - started > 300_000) throw new Error(`${command}: no 200 on /healthz within 300 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) return (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

const rounds = Number(process.argv[2] ?? 3);
const seconds: Record<keyof typeof COMMANDS, number[]> = { before: [], after: [] };
for (let round = 0; round < rounds; round++) {
  for (const which of ['before', 'after'] as const) {
    const s = await timeToHealthy(COMMANDS[which]);
    seconds[which].push(s);
    console.log(`round ${round + 1} ${which.padEnd(6)} ${s.toFixed(2)} s  (${COMMANDS[which]})`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`median: before ${median(seconds.before).toFixed(2)} s, after ${median(seconds.after).toFixed(2)} s (spawn → first 200 on /healthz)`);

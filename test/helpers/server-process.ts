import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { freePort };

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A real `linkwire serve` process (from source through tsx), ready when /healthz answers. */
export async function startServerProcess(env: Record<string, string>, args: string[] = ['serve']): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // PostgreSQL's default journal lives under ./data, which tests never touch: a temporary one
  // unless the test names its own (to restart on the same journal, say).
  const journal = env.LINKWIRE_JOURNAL_DIR === undefined && !(env.LINKWIRE_DATABASE_URL ?? '').startsWith('sqlite:') ? { LINKWIRE_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'linkwire-journal-')) } : {};
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    // Lookups go to a closed loopback port unless a test brings a DNS server: nothing can reach out.
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LINKWIRE_LOG_LEVEL: 'warn',
      LINKWIRE_DNS_SERVER: '127.0.0.1:9',
      // A worker alone listens only on its health port: readiness is polled there.
      ...(env.LINKWIRE_ROLE === 'worker' ? { LINKWIRE_HEALTH_PORT: String(port) } : {}),
      LINKWIRE_SIGNUPS_PER_ADDRESS: '1000000',
      ...journal,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (journal.LINKWIRE_JOURNAL_DIR) child.once('exit', () => rmSync(journal.LINKWIRE_JOURNAL_DIR, { recursive: true, force: true }));
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Generous: several engineers share two cores, and a tsx start takes 10+ s when they are busy.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${log}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => log,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './api.js';
import { freePort, onCleanup, ROOT, sleep, spawnNode, type Child } from './procs.js';

export const CA_PATH = join(ROOT, 'test/fixtures/tls/ca.pem');

export interface Launch {
  kind: 'dist' | 'tsx';
  /** What runs, as a user would type it. */
  command: string;
  why: string;
  /** node arguments, pointing into the run's snapshot. */
  args: string[];
}

function newestMtime(dir: string): { mtime: number; file: string } {
  let best = { mtime: 0, file: '' };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (!entry.isDirectory() && /\.test\.ts$/.test(entry.name)) continue; // not part of the build
    const candidate = entry.isDirectory() ? newestMtime(path) : { mtime: statSync(path).mtimeMs, file: path };
    if (candidate.mtime > best.mtime) best = candidate;
  }
  return best;
}

/** `node dist/main.js` when the build exists and is newer than every file in src/, else `node --import tsx src/main.ts`. */
function detectLaunch(): { kind: 'dist' | 'tsx'; why: string } {
  const dist = join(ROOT, 'dist/main.js');
  if (!existsSync(dist)) return { kind: 'tsx', why: 'dist/main.js is missing' };
  const built = statSync(dist).mtimeMs;
  const src = newestMtime(join(ROOT, 'src'));
  if (src.mtime > built) return { kind: 'tsx', why: `dist/ is older than ${src.file.slice(ROOT.length)}` };
  return { kind: 'dist', why: 'dist/ is newer than src/' };
}

let launch: Launch | null = null;

/**
 * Decides what to run, once per suite run, and copies it (dist/ or src/) into bench/.run-<pid>/:
 * the tree is shared with people editing and rebuilding it, and every server of one run must run
 * the same code. The copy sits inside the repository so packages still resolve from node_modules/;
 * it is removed when the run ends.
 */
export function currentLaunch(): Launch {
  if (launch) return launch;
  const { kind, why } = detectLaunch();
  const snapshot = join(ROOT, `bench/.run-${process.pid}`);
  rmSync(snapshot, { recursive: true, force: true });
  mkdirSync(snapshot, { recursive: true });
  onCleanup(() => rmSync(snapshot, { recursive: true, force: true }));
  const from = kind === 'dist' ? 'dist' : 'src';
  cpSync(join(ROOT, from), join(snapshot, from), { recursive: true });
  // src/runtime/version.ts reads ../../package.json from src/runtime/ or dist/runtime/.
  cpSync(join(ROOT, 'package.json'), join(snapshot, 'package.json'));
  launch =
    kind === 'dist'
      ? { kind, why, command: 'node dist/main.js serve', args: [join(snapshot, 'dist/main.js'), 'serve'] }
      : { kind, why, command: 'node --import tsx src/main.ts serve', args: ['--import', 'tsx', join(snapshot, 'src/main.ts'), 'serve'] };
  return launch;
}

export interface LinkwireOptions {
  name: string;
  databaseUrl: string;
  /** LINKWIRE_ROLE; default all. */
  roles?: string;
  env?: Record<string, string>;
  /** Write a V8 CPU profile of this process into this directory. */
  profileDir?: string | null;
  /** Extra node flags (diagnostics, e.g. --import of a probe). */
  nodeArgs?: string[];
}

/** A real `linkwire serve` process on 127.0.0.1, ready once /healthz answers. */
export class LinkwireProcess {
  private constructor(
    readonly child: Child,
    readonly url: string,
    private readonly unregister: () => void,
  ) {}

  get pid(): number {
    return this.child.pid;
  }

  static async start(options: LinkwireOptions): Promise<LinkwireProcess> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // PostgreSQL: each process its own click journal, in a temp dir removed afterwards (SQLite keeps
    // it next to the database file, which the bench already puts in a temp dir).
    let journalEnv: Record<string, string> = {};
    if (options.databaseUrl.startsWith('postgres') && !options.env?.LINKWIRE_JOURNAL_DIR) {
      const dir = mkdtempSync(join(tmpdir(), 'linkwire-bench-journal-'));
      onCleanup(() => rmSync(dir, { recursive: true, force: true }));
      journalEnv = { LINKWIRE_JOURNAL_DIR: dir };
    }
    const nodeArgs = [...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []), ...(options.nodeArgs ?? [])];
    const child = spawnNode(options.name, currentLaunch().args, {
      nodeArgs,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        LINKWIRE_BASE_URL: url,
        LINKWIRE_DATABASE_URL: options.databaseUrl,
        LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32',
        LINKWIRE_LOG_LEVEL: 'warn',
        // The bench account raises its own plan (Api.setPlan): it is the instance's operator.
        LINKWIRE_ADMIN_EMAILS: 'bench@example.com',
        LINKWIRE_ROLE: options.roles ?? 'all',
        // A worker alone listens only on its health port (for /healthz and /metrics).
        ...(options.roles === 'worker' ? { LINKWIRE_HEALTH_PORT: String(port) } : {}),
        NODE_EXTRA_CA_CERTS: CA_PATH,
        ...journalEnv,
        ...options.env,
      },
    });
    const unregister = onCleanup(() => child.stop(10_000));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!child.running) {
        unregister();
        throw new Error(`${options.name} exited during start: ${child.tail()}`);
      }
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await child.stop(1_000);
        unregister();
        throw new Error(`${options.name} did not become healthy within 60 s: ${child.tail()}`);
      }
      await sleep(50);
    }
    return new LinkwireProcess(child, url, unregister);
  }

  /** Waits until the click journal is ingested (records_behind 0 in /healthz); returns how long it took. */
  async journalSettled(timeoutMs = 120_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json()) as { journal?: { records_behind: number } };
        if (res.ok && (!body.journal || body.journal.records_behind === 0)) return Date.now() - started;
      } catch {
        // busy or restarting: ask again
      }
      if (Date.now() - started > timeoutMs) throw new Error(`the click journal of ${this.child.name} was not ingested within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Throws (with the end of its output) if the process has exited on its own. */
  assertAlive(): void {
    if (this.child.running) return;
    throw new Error(`${this.child.name} (pid ${this.pid}) died during the run (${this.child.exitDescription}): ${this.child.tail(3000) || 'no output'}`);
  }

  api(key?: string): Api {
    return new Api(this.url, key);
  }

  /** Peak resident set size so far (VmHWM, KiB), or null where /proc is not available. */
  peakRssKb(): number | null {
    return procStatusKb(this.child.pid, 'VmHWM');
  }

  rssKb(): number | null {
    return procStatusKb(this.child.pid, 'VmRSS');
  }

  /** Graceful stop (SIGTERM: the server drains its group commits and closes storage). */
  async stop(): Promise<void> {
    await this.child.stop(20_000);
    this.unregister();
  }
}

export function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/free-port.js';

/** The repository root (bench/lib/ → ../../). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every child this suite started, so a failure or Ctrl-C never leaves one behind. */
const live = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void> | void>();

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { freePort };

/** The environment for children: ours, minus any LINKWIRE_* that would leak into the server under test. */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LINKWIRE_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

interface Rpc {
  resolve: (value: any) => void;
  reject: (err: Error) => void;
}

/** A child process with its output kept (bounded) and an optional request/response channel over IPC. */
export class Child {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private logText = '';
  private nextId = 1;
  private readonly pending = new Map<number, Rpc>();
  private readonly messageWaiters = new Set<(m: any) => boolean>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    if (proc.pid === undefined) throw new Error(`${name}: could not start`);
    this.pid = proc.pid;
    live.add(proc);
    const keep = (d: Buffer) => {
      this.logText += d.toString();
      if (this.logText.length > 200_000) this.logText = this.logText.slice(-100_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('message', (m: any) => {
      if (m && typeof m === 'object' && typeof m.rpcId === 'number') {
        const rpc = this.pending.get(m.rpcId);
        this.pending.delete(m.rpcId);
        if (!rpc) return;
        if (m.error) rpc.reject(new Error(`${name}: ${String(m.error)}`));
        else rpc.resolve(m.result);
        return;
      }
      for (const w of [...this.messageWaiters]) if (w(m)) this.messageWaiters.delete(w);
    });
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        this.exitInfo = { code, signal };
        for (const rpc of this.pending.values()) rpc.reject(new Error(`${name} exited (${code ?? signal}) : ${this.tail()}`));
        this.pending.clear();
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** How it ended ("code 1", "signal SIGKILL"), or null while it runs. */
  get exitDescription(): string | null {
    if (!this.exitInfo) return null;
    return this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `code ${this.exitInfo.code}`;
  }

  output(): string {
    return this.logText;
  }

  tail(chars = 2000): string {
    return this.logText.slice(-chars);
  }

  /** Sends `{cmd, ...args}` and resolves with the child's `result`. */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    if (!this.running) return Promise.reject(new Error(`${this.name} is not running: ${this.tail()}`));
    const rpcId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rpcId);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rpcId, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ rpcId, cmd, ...args });
    });
  }

  /** Resolves with the first message `{type}` the child sends (not an RPC answer). */
  waitFor<T = any>(type: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.messageWaiters.delete(check);
        reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms: ${this.tail()}`));
      }, timeoutMs);
      const check = (m: any): boolean => {
        if (!m || m.type !== type) return false;
        clearTimeout(timer);
        resolve(m as T);
        return true;
      };
      this.messageWaiters.add(check);
      void this.exited.then(({ code, signal }) => {
        if (!this.messageWaiters.has(check)) return;
        this.messageWaiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) before "${type}": ${this.tail()}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.proc.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * A child without an IPC channel (the Linkwire server, wrk) would outlive a suite killed with
 * SIGKILL. A tiny shell loop watches both pids and, should the suite vanish first, stops that
 * one child (by its pid) — SIGTERM, then SIGKILL. It ends by itself when the child ends.
 */
function watchdog(child: Child): void {
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'kill -0 "$2" 2>/dev/null || exit 0; kill -TERM "$2"; i=0; ' +
    'while kill -0 "$2" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done; kill -KILL "$2" 2>/dev/null; exit 0';
  const dog = spawn('/bin/sh', ['-c', script, 'bench-watchdog', String(process.pid), String(child.pid)], { stdio: 'ignore' });
  dog.on('error', () => undefined); // no /bin/sh: no watchdog, the in-process cleanup still applies
  dog.unref();
  void child.exited.then(() => {
    if (dog.exitCode === null && dog.signalCode === null) dog.kill('SIGKILL');
  });
}

/** Spawns `node [nodeArgs] <args>` in the repository root. */
export function spawnNode(name: string, args: string[], options: { env?: Record<string, string>; ipc?: boolean; nodeArgs?: string[] } = {}): Child {
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: ROOT,
    env: baseEnv(options.env),
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const child = new Child(name, proc);
  if (!options.ipc) watchdog(child); // IPC helpers exit on their own when the channel closes
  return child;
}

/** Spawns one of the bench's own TypeScript entry points (bench/lib/*-main.ts) through tsx, with IPC. */
export function spawnHelper(name: string, entry: string, config: unknown, env: Record<string, string> = {}): Child {
  return spawnNode(name, ['--import', 'tsx', `bench/lib/${entry}`], {
    ipc: true,
    env: { ...env, BENCH_CONFIG: JSON.stringify(config) },
  });
}

/** Spawns any program (e.g. wrk) with piped output. */
export function spawnProgram(name: string, file: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(file, args, { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const child = new Child(name, proc);
  watchdog(child);
  return child;
}

/** Runs `fn` during cleanup (reverse order of registration); returns a function that unregisters it. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs registered cleanups, then kills any child still alive. Safe to call more than once. */
export async function cleanupAll(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      await fn();
    } catch (err) {
      log(`cleanup failed: ${(err as Error).message}`);
    }
  }
  killAllNow();
}

function killAllNow(): void {
  for (const proc of live) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Ctrl-C / SIGTERM: clean up (processes, temp files, databases) and exit; a second signal kills at once. */
export function installSignalHandlers(): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      killAllNow();
      process.exit(130);
    }
    interrupted = true;
    log(`${signal}: stopping children and cleaning up…`);
    const hardStop = setTimeout(() => {
      killAllNow();
      process.exit(130);
    }, 30_000);
    void cleanupAll().finally(() => {
      clearTimeout(hardStop);
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllNow);
}

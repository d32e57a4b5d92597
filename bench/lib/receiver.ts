import { sleep, spawnHelper, type Child } from './procs.js';

export interface ReceiverCount {
  unique: number;
  total: number;
  duplicates: number;
  connections: number;
  openSockets: number;
  first: number | null;
  last: number | null;
}

export interface Arrivals {
  at: number[];
  n: (number | null)[];
  path: string[];
}

/** The parent's handle on a receiver process (see receiver-main.ts). */
export class ReceiverProcess {
  private constructor(
    readonly child: Child,
    readonly ports: number[],
  ) {}

  static async start(name: string, config: { mode: 'record' | 'hang'; ports?: number; parse?: boolean }): Promise<ReceiverProcess> {
    const child = spawnHelper(name, 'receiver-main.ts', config);
    const ready = await child.waitFor<{ ports: number[] }>('ready', 30_000);
    return new ReceiverProcess(child, ready.ports);
  }

  /** `https://127.0.0.1:<port>/<path>` of the i-th port. */
  url(path = 'hook', i = 0): string {
    return `https://127.0.0.1:${this.ports[i]}/${path}`;
  }

  count(): Promise<ReceiverCount> {
    return this.child.call('count');
  }

  arrivals(): Promise<Arrivals> {
    return this.child.call('arrivals', {}, 120_000);
  }

  sample(): Promise<{ sample: { body: string; headers: Record<string, string> } | null; avgBodyBytes: number }> {
    return this.child.call('sample');
  }

  async reset(): Promise<void> {
    await this.child.call('reset');
  }

  /**
   * Polls until `n` distinct deliveries arrived or the time is up; also gives up early when
   * nothing new arrived for `stallMs`. Returns the last count either way.
   */
  async waitForUnique(n: number, timeoutMs: number, stallMs = Infinity): Promise<ReceiverCount> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.count();
    let lastChange = Date.now();
    while (last.unique < n && Date.now() < deadline && Date.now() - lastChange < stallMs) {
      await sleep(100);
      const next = await this.count();
      if (next.unique !== last.unique) lastChange = Date.now();
      last = next;
    }
    return last;
  }

  stop(): Promise<void> {
    return this.child.stop(5_000);
  }
}

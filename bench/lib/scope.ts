import { log } from './procs.js';

/**
 * Resources of one scenario, released in reverse order in its `finally` (errors logged, never
 * thrown). Every dispose is idempotent, so a resource may also be stopped earlier by hand.
 */
export class Scope {
  private readonly disposers: { name: string; dispose: () => Promise<void> }[] = [];

  add<T>(name: string, value: T, dispose: (value: T) => Promise<void>): T {
    this.disposers.push({ name, dispose: () => dispose(value) });
    return value;
  }

  async close(): Promise<void> {
    for (const { name, dispose } of this.disposers.splice(0).reverse()) {
      try {
        await dispose();
      } catch (err) {
        log(`releasing ${name} failed: ${(err as Error).message}`);
      }
    }
  }
}

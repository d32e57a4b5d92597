import { later, type Cancel } from './later.js';

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items that arrive while a write is running (or within `flushMs`) are written
 * together by one call of `write`, and each caller's promise settles with its own result once
 * that call returns. For work where every item must be durable before its caller goes on (a click
 * before its redirect answers, an attempt's result before its delivery is released) but one
 * transaction per item would cap throughput at the database's commit rate.
 */
export class GroupCommit<T, R> {
  private queue: Pending<T, R>[] = [];
  private timer: Cancel | null = null;
  private flushing: Promise<void> | null = null;

  /**
   * @param write writes one batch and answers one result per item, in order; a rejection fails
   *   every item of the batch.
   * @param options.flushMs extra wait before a batch is written (0: batch what arrives in the same
   *   event-loop turn, and everything that arrives while the previous write runs).
   * @param options.maxBatch a queue this long is written at once, without waiting for `flushMs`.
   */
  constructor(
    private readonly write: (batch: T[]) => Promise<R[]>,
    private readonly options: { flushMs: number; maxBatch?: number },
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything queued (and anything added meanwhile), then resolves. */
  async drain(): Promise<void> {
    this.timer?.();
    this.timer = null;
    while (this.flushing || this.queue.length > 0) {
      if (this.flushing) await this.flushing;
      else await this.flushNow();
    }
  }

  private schedule(): void {
    if (this.flushing) return; // what arrives now is written as soon as the running write ends
    if (this.queue.length >= (this.options.maxBatch ?? Infinity)) {
      this.timer?.();
      this.timer = null;
      void this.flushNow();
      return;
    }
    if (this.timer) return;
    this.timer = later(this.options.flushMs, () => {
      this.timer = null;
      void this.flushNow();
    });
  }

  private flushNow(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const run = this.write(batch.map((p) => p.item)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
    this.flushing = run.finally(() => {
      this.flushing = null;
      // Items that arrived during the write form the next batch right away: they have waited already.
      if (this.queue.length > 0) void this.flushNow();
    });
    return this.flushing;
  }
}

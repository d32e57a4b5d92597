import type { Clock } from '../runtime/clock.js';
import type { Outbox } from '../events/outbox.js';
import type { IdSource } from '../runtime/ids.js';
import type { Storage, Tx } from '../storage/storage.js';
import type { Visit, VisitOutcome } from './visit.js';
import { GroupCommit } from '../runtime/group-commit.js';
import { VisitBatchWriter } from './visit-batch-writer.js';

/**
 * Group commit for the redirect path: visits arriving within a few milliseconds are written in
 * one transaction (click rows, counters, and their events), then every waiting redirect answers.
 * A redirect is sent only after its click committed, so an answered click survives kill -9;
 * counters and limits are decided inside the transaction under the link row's lock, so they stay
 * exact across concurrent requests and processes.
 */
export class ClickRecorder {
  private readonly commits: GroupCommit<Visit, VisitOutcome>;
  private closed = false;

  constructor(
    private readonly deps: { storage: Storage; outbox: Outbox; ids: IdSource; clock: Clock },
    options: { flushMs: number; maxBatch?: number },
  ) {
    this.commits = new GroupCommit((visits) => this.deps.storage.transaction((tx) => writeVisits(tx, this.deps.outbox, visits)), {
      flushMs: options.flushMs,
      maxBatch: options.maxBatch ?? 1000,
    });
  }

  record(visit: Visit): Promise<VisitOutcome> {
    if (this.closed) return Promise.reject(new Error('click recorder is closed'));
    return this.commits.add(visit);
  }

  /** Writes what is queued and stops accepting visits. */
  async close(): Promise<void> {
    this.closed = true;
    await this.commits.drain();
  }
}

/**
 * Writes visits inside the caller's transaction (visit-batch-writer.ts): click rows, counters,
 * rollups and their events. Shared by the synchronous recorder, and tests that write clicks directly.
 */
export async function writeVisits(tx: Tx, outbox: Outbox, visits: readonly Visit[]): Promise<VisitOutcome[]> {
  const writer = new VisitBatchWriter(tx, outbox);
  const outcomes = await writer.add(visits);
  await writer.finish();
  return outcomes;
}

import type { BackgroundJob } from '../jobs/background-job.js';
import type { Clock } from '../runtime/clock.js';
import { Loop } from '../jobs/loop.js';
import { idLowerBound } from '../runtime/ids.js';
import type { Storage } from '../storage/storage.js';

const CHUNK = 1000;
const DAY_MS = 86_400_000;

/**
 * Keeps the tables that grow with traffic bounded: clicks older than LINKWIRE_CLICK_RETENTION_DAYS
 * (0 keeps them forever) and sessions past their expiry. Deletes in small chunks, each its own
 * transaction, so a large purge never holds the database for long; runs hourly on the worker role.
 * (Delivery logs and events have their own retention: see delivery/retention.ts.)
 */
export class DataRetentionJob implements BackgroundJob {
  readonly name = 'data-retention';
  private readonly loop: Loop;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock },
    private readonly clickRetentionDays: number,
    onError: (err: unknown) => void = () => undefined,
    onRecover?: (failures: number) => void,
    intervalMs = 3_600_000,
  ) {
    this.loop = new Loop(this.name, () => this.runOnce().then((r) => r.more), intervalMs, onError, onRecover);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Deletes one chunk of each kind; `more` when a chunk was full. */
  async runOnce(): Promise<{ clicks: number; sessions: number; more: boolean }> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    let clicks = 0;
    if (this.clickRetentionDays > 0) {
      // Click ids are time-sortable: the primary key finds the old ones without a timestamp index.
      const bound = idLowerBound('clk', now - this.clickRetentionDays * DAY_MS);
      const old = await storage.db.selectFrom('clicks').select('id').where('id', '<', bound).orderBy('id').limit(CHUNK).execute();
      if (old.length) {
        const result = await storage.db.deleteFrom('clicks').where('id', 'in', old.map((c) => c.id)).executeTakeFirst();
        clicks = Number(result.numDeletedRows);
      }
    }
    const expired = await storage.db.selectFrom('sessions').select('id').where('expires_at', '<', now).limit(CHUNK).execute();
    let sessions = 0;
    if (expired.length) {
      const result = await storage.db.deleteFrom('sessions').where('id', 'in', expired.map((s) => s.id)).executeTakeFirst();
      sessions = Number(result.numDeletedRows);
    }
    return { clicks, sessions, more: clicks === CHUNK || sessions === CHUNK };
  }
}

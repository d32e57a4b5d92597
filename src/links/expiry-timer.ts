import type { Clock } from '../runtime/clock.js';
import type { Config } from '../config.js';
import type { Outbox } from '../events/outbox.js';
import type { BackgroundJob } from '../jobs/background-job.js';
import { Loop } from '../jobs/loop.js';
import type { Storage } from '../storage/storage.js';
import { renderLink } from './link-model.js';
import { onLinkChanged } from '../storage/signals.js';

/** How often the timer looks at the latest: `link.expired` fires within this of `expires_at` (SPEC: 60 s). */
const POLL_MS = 10_000;
const BATCH = 200;

export interface ExpiryTimerOptions {
  pollMs: number;
  onError: (err: unknown) => void;
  onRecover: (failures: number) => void;
}

/**
 * Fires `link.expired` when `expires_at` passes, with no visit needed (SPEC §4): on the worker
 * role, at the next known expiry (re-read whenever a link changes, here or in another process),
 * and every POLL_MS as a safety net for a missed signal.
 *
 * Exactly once, whoever gets there first: the timer here, a timer in another process, or the
 * first visit after expiry (clicks/click-recorder.ts) — each flips `expired_notified` from 0 to 1
 * with a conditional update and emits only if its update changed the row, in the transaction that
 * writes the event. The flag lives in the database, so a restart neither repeats nor loses one;
 * a new `expires_at` sets it back to 0 (link-service.ts), arming the timer again.
 * A disabled link fires nothing (SPEC §5b): its expiry is announced if it is enabled again.
 */
export class ExpiryTimer implements BackgroundJob {
  readonly name = 'link-expiry';
  private readonly loop: Loop;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; outbox: Outbox; config: Config },
    options: Partial<ExpiryTimerOptions> = {},
  ) {
    const pollMs = options.pollMs ?? POLL_MS;
    this.loop = new Loop(this.name, () => this.runOnce().then((r) => r.more), pollMs, options.onError, options.onRecover);
  }

  start(): void {
    // A link saved here or in another process may expire before the next poll: look (and re-arm) at once.
    this.unsubscribe = onLinkChanged(this.deps.storage, () => this.loop.poke());
    this.loop.start();
  }

  stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    return this.loop.stop();
  }

  /** Announces up to BATCH expired links; `more` when there may be others already due. */
  async runOnce(): Promise<{ fired: number; more: boolean }> {
    const { storage, clock, outbox, config } = this.deps;
    const now = clock.now();
    const { fired, seen } = await storage.transaction(async (tx) => {
      // links_expiry_pending (migration 013) holds exactly the unannounced expiries.
      const due = await tx.db
        .selectFrom('links')
        .selectAll()
        .where('expired_notified', '=', 0)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', now)
        .where('enabled', '=', 1)
        .orderBy('expires_at')
        .limit(BATCH)
        .execute();
      if (due.length === 0) return { fired: 0, seen: 0 };
      // The conditions again: a visit, another process or an edit may have got there since the read.
      const flipped = await tx.db
        .updateTable('links')
        .set({ expired_notified: 1 })
        .where('id', 'in', due.map((l) => l.id))
        .where('expired_notified', '=', 0)
        .where('expires_at', '<=', now)
        .where('enabled', '=', 1)
        .returning('id')
        .execute();
      const ids = new Set(flipped.map((r) => r.id));
      const events = due
        .filter((row) => ids.has(row.id))
        .map((row) => ({
          type: 'link.expired' as const,
          workspaceId: row.workspace_id,
          linkId: row.id,
          data: { link: renderLink({ ...row, expired_notified: 1 }, config.baseUrl) },
          actor: null,
        }));
      await outbox.append(tx, events);
      return { fired: events.length, seen: due.length };
    });
    if (seen < BATCH) await this.armForNextExpiry(now);
    return { fired, more: seen === BATCH };
  }

  /** Wakes the loop when the next pending expiry falls due, if that is sooner than the next poll. */
  private async armForNextExpiry(now: number): Promise<void> {
    const next = await this.deps.storage.db
      .selectFrom('links')
      .select((eb) => eb.fn.min('expires_at').as('at'))
      .where('expired_notified', '=', 0)
      .where('expires_at', 'is not', null)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    const at = next?.at === null || next?.at === undefined ? null : Number(next.at);
    if (at !== null) this.loop.wakeIn(Math.max(0, at - now) + 50);
  }
}

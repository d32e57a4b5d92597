import { AppError } from '../errors.js';

/** Seconds a refused stream is asked to wait: streams end when their clients go, often soon. */
export const STREAM_RETRY_AFTER_S = 30;

/**
 * How many /api/events/stream connections one API key (or one dashboard user) and one workspace
 * may hold open in this process. Each costs a file descriptor and memory for as long as it lasts;
 * without a cap, one key could open thousands and starve the redirects.
 */
export class StreamQuota {
  private readonly perHolder = new Map<string, number>();
  private readonly perWorkspace = new Map<string, number>();

  constructor(private readonly limits: { perKey: number; perWorkspace: number }) {}

  /**
   * Takes one stream for `holder` in `workspaceId`, or throws RATE_LIMITED (the route adds
   * Retry-After). Returns the function that gives it back (idempotent).
   */
  acquire(holder: string, workspaceId: string): () => void {
    const held = this.perHolder.get(holder) ?? 0;
    if (held >= this.limits.perKey) {
      throw new AppError('RATE_LIMITED', `Too many open event streams: this key already has ${held} (at most ${this.limits.perKey}, LINKWIRE_STREAMS_PER_KEY); close one or try again later`, { limit: this.limits.perKey, retry_after_s: STREAM_RETRY_AFTER_S });
    }
    const inWorkspace = this.perWorkspace.get(workspaceId) ?? 0;
    if (inWorkspace >= this.limits.perWorkspace) {
      throw new AppError('RATE_LIMITED', `Too many open event streams: this workspace already has ${inWorkspace} (at most ${this.limits.perWorkspace}, LINKWIRE_STREAMS_PER_WORKSPACE); close one or try again later`, { limit: this.limits.perWorkspace, retry_after_s: STREAM_RETRY_AFTER_S });
    }
    this.perHolder.set(holder, held + 1);
    this.perWorkspace.set(workspaceId, inWorkspace + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.perHolder, holder);
      decrement(this.perWorkspace, workspaceId);
    };
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 1) - 1;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}

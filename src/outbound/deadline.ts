/** Thrown (as a cause) when a send's deadline passes: classified as a timeout. */
export class DeadlineError extends Error {
  override name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`deadline of ${timeoutMs} ms passed`);
  }
}

/** What waits on a deadline: told once, when it passes. */
export interface DeadlineListener {
  onDeadline(): void;
}

/**
 * One send's total-time budget (a webhook's timeout_ms): resolving, connecting, the TLS handshake,
 * the head and every byte of the body. It is a plain timer, not an AbortSignal: a signal costs an
 * EventTarget, a timer that outlives the request and a listener per request inside undici, while
 * this is one entry in Node's timer list for its duration (timers of one duration share a list, so
 * arming and clearing it is constant time) and one callback. undici's own headersTimeout and
 * bodyTimeout cannot replace it: they restart with every chunk, so a receiver trickling a byte
 * at a time would never be cut.
 *
 * Whatever is waiting on the send (a DNS answer, the exchange) registers as the one listener.
 */
export class Deadline {
  expired = false;
  private listener: DeadlineListener | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly timeoutMs: number) {
    this.timer = setTimeout(expire, timeoutMs, this);
    // A send in flight is held alive by its socket or its DNS query; the deadline alone must not hold the process.
    this.timer.unref();
  }

  /** Calls `listener` when the deadline passes (at once if it has); replaces any earlier listener. */
  onExpire(listener: DeadlineListener | null): void {
    this.listener = listener;
    if (listener !== null && this.expired) listener.onDeadline();
  }

  /** `promise`, or a DeadlineError as soon as the deadline passes (a DNS query cannot be cancelled per caller). */
  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = { onDeadline: () => reject(new DeadlineError(this.timeoutMs)) };
      const settled = () => {
        if (this.listener === listener) this.listener = null;
      };
      this.onExpire(listener);
      promise.then(
        (value) => {
          settled();
          resolve(value);
        },
        (err: unknown) => {
          settled();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  clear(): void {
    clearTimeout(this.timer);
    this.listener = null;
  }

  /** @internal the timer's callback */
  fire(): void {
    this.expired = true;
    const listener = this.listener;
    this.listener = null;
    listener?.onDeadline();
  }
}

// A module-level callback with the deadline as its argument: no closure per send.
function expire(deadline: Deadline): void {
  deadline.fire();
}

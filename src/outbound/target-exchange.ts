import type { IncomingHttpHeaders } from 'node:http';
import type { Client, Dispatcher } from 'undici';
import { DeadlineError, type Deadline, type DeadlineListener } from './deadline.js';
import type { PinnedPool, PooledJob } from './pinned-pools.js';
import { KeptBody } from './target-body.js';

export interface ExchangeRequest {
  method: 'POST' | 'HEAD' | 'GET';
  path: string;
  /** Must not name `host`: the pool's site does. */
  headers: Record<string, string>;
  body: string | null;
}

export type ExchangeOutcome =
  /** A head arrived; `error` is what cut the body short, if anything (the text is what came before it). */
  | { kind: 'response'; statusCode: number; headers: Record<string, string>; body: string; error: unknown }
  /** No head arrived. */
  | { kind: 'failure'; error: unknown };

/**
 * One request on a pinned pool, and its answer: the status, the headers and the first 4 KiB of the
 * body. It talks to undici's dispatcher directly: no response stream, no promise per chunk, no
 * copy of what is dropped — the body is counted and dropped as it arrives. The deadline answers at
 * once wherever the request is (queued for a connection, connecting, sending, reading) and aborts
 * it in undici as soon as undici lets it.
 */
export function exchange(pool: PinnedPool, request: ExchangeRequest, deadline: Deadline): Promise<ExchangeOutcome> {
  return new Promise((resolve) => {
    const handler = new ExchangeHandler(pool, request, deadline, resolve);
    deadline.onExpire(handler);
    pool.acquire(handler);
  });
}

class ExchangeHandler implements Dispatcher.DispatchHandler, DeadlineListener, PooledJob {
  /** The connection it runs on, until undici has called back for the last time. */
  private client: Client | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  private statusCode = 0;
  private headers: IncomingHttpHeaders | null = null;
  private body: KeptBody | null = null;
  /** The deadline passed before undici started it: it is aborted the moment it starts. */
  private reason: Error | null = null;
  /** The body was cut on purpose (too large): the abort that follows is not a failure. */
  private cut = false;
  private settled = false;

  constructor(
    private readonly pool: PinnedPool,
    private readonly request: ExchangeRequest,
    private readonly deadline: Deadline,
    private readonly resolve: (outcome: ExchangeOutcome) => void,
  ) {}

  start(client: Client): void {
    if (this.settled) {
      // Handed a connection after giving up (the hand-over waits a microtask): give it straight back.
      this.pool.release(client);
      return;
    }
    this.client = client;
    client.dispatch(this.request, this);
  }

  fail(error: Error): void {
    this.settle(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.reason !== null) controller.abort(this.reason);
    else this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx heads are interim: the real one follows.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
    this.body = new KeptBody();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.body === null || this.body.add(chunk)) return;
    // Too much to even read: answer with what is kept, and drop the connection rather than drain it.
    this.cut = true;
    controller.abort(new Error('response body too large to drain'));
  }

  onResponseEnd(): void {
    this.settle(null);
    this.release();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.settle(this.cut ? null : error);
    // The exchange failed midway (a deadline, a reset, a cut body): its connection is gone. Left in
    // the pool, undici would open a new one at once, with no request for it — a TLS handshake with
    // an endpoint that just hung, for every send that timed out.
    this.release(true);
  }

  onDeadline(): void {
    if (this.settled) return;
    const error = new DeadlineError(this.deadline.timeoutMs);
    this.settle(error);
    if (this.controller !== null) this.controller.abort(error);
    else if (this.client !== null) this.reason = error;
    else this.pool.withdraw(this);
  }

  private release(broken = false): void {
    const client = this.client;
    if (client === null) return;
    this.client = null;
    this.pool.release(client, broken);
  }

  private settle(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (!this.deadline.expired) this.deadline.onExpire(null);
    if (this.headers === null) {
      this.resolve({ kind: 'failure', error: error ?? new Error('the connection ended without a response') });
      return;
    }
    this.resolve({
      kind: 'response',
      statusCode: this.statusCode,
      headers: flatten(this.headers),
      body: this.body?.text() ?? '',
      error,
    });
  }
}

/** undici's parsed headers (lower-case names, repeats as arrays) as one string per name, repeats joined with ", ". */
function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) headers[name] = value.join(', ');
  }
  return headers as Record<string, string>;
}

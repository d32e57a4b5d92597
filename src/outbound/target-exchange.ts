import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { DeadlineError, type Deadline, type DeadlineListener } from './deadline.js';
import type { PinnedPool } from './pinned-pools.js';
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
 * copy of what is dropped — the body is counted and dropped as it arrives. The deadline aborts it
 * wherever it is, queued for a connection included (it then answers at once and is aborted the
 * moment undici would start it).
 */
export function exchange(entry: PinnedPool, request: ExchangeRequest, deadline: Deadline): Promise<ExchangeOutcome> {
  return new Promise((resolve) => {
    const handler = new ExchangeHandler(deadline, entry, resolve);
    entry.inFlight++;
    deadline.onExpire(handler);
    entry.pool.dispatch({ path: request.path, method: request.method, headers: request.headers, body: request.body }, handler);
  });
}

class ExchangeHandler implements Dispatcher.DispatchHandler, DeadlineListener {
  private controller: Dispatcher.DispatchController | null = null;
  private statusCode = 0;
  private headers: IncomingHttpHeaders | null = null;
  private body: KeptBody | null = null;
  /** Why it ended before undici started it (the deadline): it is aborted as soon as it starts. */
  private reason: Error | null = null;
  private done = false;

  constructor(
    private readonly deadline: Deadline,
    private readonly entry: PinnedPool,
    private readonly resolve: (outcome: ExchangeOutcome) => void,
  ) {}

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
    this.finish(null);
    controller.abort(new Error('response body too large to drain'));
  }

  onResponseEnd(): void {
    this.finish(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.finish(error);
  }

  onDeadline(): void {
    if (this.done) return;
    const error = new DeadlineError(this.deadline.timeoutMs);
    this.finish(error);
    if (this.controller !== null) this.controller.abort(error);
    else this.reason = error;
  }

  private finish(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.entry.inFlight--;
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

import type { ServerResponse } from 'node:http';
import type { AttemptNotice } from './attempt-notice.js';
import { feedHead, feedPositionOf, readFeed, visibleAtHead, type FeedPosition } from '../storage/event-feed.js';
import type { Storage } from '../storage/storage.js';
import { envelopeJsonFromRow } from './outbox.js';
import { onEventsCreated } from '../storage/signals.js';

/*
 * The live event stream (GET /api/events/stream, server-sent events). Each connection reads its
 * workspace's events in commit order from its own position (storage/event-feed.ts), woken by the
 * `event_created` signal (LISTEN/NOTIFY across processes), so a stream resumed with
 * Last-Event-ID has no gaps and no duplicates. Delivery attempts made by this process's worker
 * are passed through live; they carry no id and are not replayed on resume. See
 * docs/events-stream.md.
 */

/** The SSE event name of a delivery attempt (not an event type of the catalog). */
export const ATTEMPT_EVENT = 'delivery.attempted';

export interface EventStreamOptions {
  /** Comment lines keep proxies and clients from timing the stream out. */
  heartbeatMs: number;
  /** A slow safety poll, for wake-ups that were missed (another process on SQLite, a lost LISTEN connection). */
  safetyPollMs: number;
  /** On PostgreSQL, how soon to look again when an older transaction is still in flight. */
  settleRetryMs: number;
  /** Rows read per query. */
  batch: number;
}

export const DEFAULT_STREAM_OPTIONS: EventStreamOptions = Object.freeze({ heartbeatMs: 15_000, safetyPollMs: 5_000, settleRetryMs: 50, batch: 200 });

export interface StreamRequest {
  workspaceId: string;
  /** Only these event types (null: all). */
  types: readonly string[] | null;
  attempts: boolean;
  /** The id of the last event the client saw (Last-Event-ID), or null to start from now. */
  lastEventId: string | null;
}

/** Above this much unsent output a connection stops reading until the client catches up. */
const HIGH_WATER_BYTES = 1 << 20;

class StreamConnection {
  private reading = false;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    private readonly hub: EventStreamHub,
    readonly request: StreamRequest,
    private readonly res: ServerResponse,
    private position: FeedPosition,
    /** Events already committed when a fresh stream started: not sent. */
    private readonly skip: Set<string>,
  ) {}

  /** Reads and sends whatever is new; concurrent calls fold into one more round. */
  wake(): void {
    if (this.closed || this.request.types?.length === 0) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.read().finally(() => {
      this.reading = false;
    });
  }

  private async read(): Promise<void> {
    const { storage, options } = this.hub;
    try {
      do {
        this.again = false;
        const rows = await readFeed(storage, this.request.workspaceId, this.position, options.batch, this.request.types);
        let waiting = false;
        for (const row of rows) {
          if (this.closed) return;
          if (!row.settled) {
            waiting = true;
            break;
          }
          this.position = row.position;
          if (this.skip.size && this.skip.delete(row.id)) continue;
          this.write(`id: ${row.id}\nevent: ${row.type}\ndata: ${envelopeJsonFromRow(row)}\n\n`);
          if (this.res.writableLength > HIGH_WATER_BYTES) await this.drained();
        }
        if (waiting) this.later(options.settleRetryMs);
        else if (rows.length === options.batch) this.again = true;
      } while (this.again && !this.closed);
    } catch {
      // The database hiccuped: the position is unchanged, so nothing is lost; try again shortly.
      this.later(1000);
    }
  }

  private later(ms: number): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.wake();
    }, ms);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  attempt(notice: AttemptNotice): void {
    this.write(`event: ${ATTEMPT_EVENT}\ndata: ${JSON.stringify(notice)}\n\n`);
  }

  write(text: string): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    if (!this.res.writableEnded) this.res.end();
  }
}

/** The open streams of this process, and the signals that wake them. */
export class EventStreamHub {
  private readonly connections = new Set<StreamConnection>();
  private readonly unsubscribe: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  readonly options: EventStreamOptions;

  constructor(
    readonly storage: Storage,
    options: Partial<EventStreamOptions> = {},
  ) {
    this.options = { ...DEFAULT_STREAM_OPTIONS, ...options };
  }

  get size(): number {
    return this.connections.size;
  }

  /**
   * Where a new stream starts: after the client's last event, or now. Returns null when
   * Last-Event-ID names no event of the workspace (unknown, or purged).
   */
  async startPosition(request: StreamRequest): Promise<{ position: FeedPosition; skip: Set<string> } | null> {
    if (request.lastEventId !== null) {
      const position = await feedPositionOf(this.storage, request.workspaceId, request.lastEventId);
      return position ? { position, skip: new Set() } : null;
    }
    const position = await feedHead(this.storage);
    // What is already visible past the head was committed before this stream began: not "new".
    const skip = await visibleAtHead(this.storage, request.workspaceId, position, 1000, request.types);
    return { position, skip };
  }

  /** Starts streaming to `res` (whose SSE headers are written) from `start`. Ends with the response. */
  open(request: StreamRequest, res: ServerResponse, start: { position: FeedPosition; skip: Set<string> }): void {
    if (this.closed) {
      res.end();
      return;
    }
    this.ensureStarted();
    const connection = new StreamConnection(this, request, res, start.position, start.skip);
    this.connections.add(connection);
    res.on('close', () => {
      connection.close();
      this.connections.delete(connection);
    });
    connection.wake();
  }

  private ensureStarted(): void {
    if (this.unsubscribe.length) return;
    this.unsubscribe.push(onEventsCreated(this.storage, () => this.wakeAll()));
    const heartbeat = setInterval(() => {
      for (const c of this.connections) c.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    const safety = setInterval(() => this.wakeAll(), this.options.safetyPollMs);
    heartbeat.unref();
    safety.unref();
    this.timers = [heartbeat, safety];
  }

  private wakeAll(): void {
    for (const c of this.connections) c.wake();
  }

  /** Attempts this process's delivery worker just recorded. */
  attemptsCommitted(notices: readonly AttemptNotice[]): void {
    if (this.connections.size === 0) return;
    for (const notice of notices) {
      for (const c of this.connections) {
        if (c.request.attempts && c.request.workspaceId === notice.workspace_id) c.attempt(notice);
      }
    }
  }

  /** Ends every stream now (shutdown must not wait for clients to hang up). */
  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const c of this.connections) c.close();
    this.connections.clear();
  }
}

import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { ClickJournal } from './click-journal.js';
import type { IngestProgressLike, JournalPosition, JournalSource, JournalState } from './journal-source.js';
import { segmentName } from './journal-source.js';
import { journalLag, type JournalLag } from './journal-ingester.js';

/**
 * The journal written on the redirect's thread and ingested on the worker thread (the embedded
 * one-process mode): SQLite transactions block the thread that runs them, so ingestion must not
 * run where redirects are answered. The two sides talk over a BroadcastChannel named after the
 * journal directory: the writer publishes its state after every append, the ingester reports
 * each committed position (the writer then deletes ingested segments and keeps the lag figures).
 */
type Message =
  | { type: 'state'; state: JournalState }
  | { type: 'hello' }
  | { type: 'ingested'; position: JournalPosition; progress: IngestProgressLike };

const channelName = (dir: string) => `linkwire:journal:${dir}`;

function unref(channel: BroadcastChannel): void {
  (channel as unknown as { unref(): void }).unref();
}

/** The writer's side. */
export class JournalPublisher {
  private readonly channel: BroadcastChannel;
  private readonly waiters: { target: JournalPosition; resolve: () => void }[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly journal: ClickJournal) {
    this.channel = new BroadcastChannel(channelName(journal.dir));
    unref(this.channel);
    this.channel.onmessage = (event) => {
      const message = (event as { data: Message }).data;
      if (message.type === 'hello') this.publish();
      if (message.type === 'ingested') {
        journal.markIngested(message.position, message.progress);
        this.wake();
      }
    };
    journal.onAppend(() => this.publish());
    this.publish();
  }

  publish(): void {
    this.channel.postMessage({ type: 'state', state: this.journal.state() } satisfies Message);
  }

  lag(now: number): JournalLag {
    return journalLag(this.journal, this.journal.lastProgress ?? { ingestedRecords: 0, backlogAtStart: 0, appendedAtStart: 0, lastIngestedAt: null, startedAt: this.startedAt }, now);
  }

  /** Resolves when every record appended before this call is reported ingested. */
  settled(): Promise<void> {
    const target = this.journal.writtenEnd();
    if (!before(this.journal.ingestedPosition(), target)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }

  close(): void {
    this.publish();
    this.channel.close();
  }

  private wake(): void {
    const at = this.journal.ingestedPosition();
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (!before(at, this.waiters[i]!.target)) {
        this.waiters[i]!.resolve();
        this.waiters.splice(i, 1);
      }
    }
  }
}

/** The ingester's side: the journal as the writer last described it. */
export class RemoteJournal implements JournalSource {
  private state: JournalState | null = null;
  private readonly channel: BroadcastChannel;
  private readonly listeners: (() => void)[] = [];
  private readonly readyWaiters: (() => void)[] = [];
  private ingested: JournalPosition = { segment: 0, offset: 0 };

  constructor(private readonly dir: string) {
    this.channel = new BroadcastChannel(channelName(dir));
    unref(this.channel);
    this.channel.onmessage = (event) => {
      const message = (event as { data: Message }).data;
      if (message.type !== 'state') return;
      this.state = message.state;
      for (const r of this.readyWaiters.splice(0)) r();
      for (const l of this.listeners) l();
    };
    this.channel.postMessage({ type: 'hello' } satisfies Message);
  }

  ready(): Promise<void> {
    if (this.state) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get id(): string {
    return this.current().id;
  }

  get maxBytes(): number {
    return this.current().maxBytes;
  }

  get appendedRecords(): number {
    return this.current().appendedRecords;
  }

  readable(): { segment: number; end: number; sealed: boolean }[] {
    const s = this.current();
    return s.sizes
      .filter(([segment]) => segment >= this.ingested.segment || segment === s.active)
      .sort((a, b) => a[0] - b[0])
      .map(([segment, size]) => ({ segment, end: segment === s.active ? s.activeSize : size, sealed: segment !== s.active }));
  }

  segmentPath(segment: number): string {
    return join(this.dir, segmentName(segment));
  }

  markIngested(position: JournalPosition, progress: IngestProgressLike): void {
    this.ingested = position;
    this.channel.postMessage({ type: 'ingested', position, progress } satisfies Message);
  }

  backlogBytes(): number {
    const s = this.current();
    let total = 0;
    for (const [seq, size] of s.sizes) {
      const end = seq === s.active ? s.activeSize : size;
      if (seq > this.ingested.segment) total += end;
      else if (seq === this.ingested.segment) total += Math.max(0, end - this.ingested.offset);
    }
    return total;
  }

  warning(): string | null {
    return this.current().warning;
  }

  writeError(): string | null {
    return this.current().writeError;
  }

  writtenEnd(): JournalPosition {
    const s = this.state;
    return s ? { segment: s.active, offset: s.activeSize } : this.ingested;
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.channel.close();
  }

  private current(): JournalState {
    if (!this.state) throw new Error('the click journal has not described itself yet');
    return this.state;
  }
}

function before(a: JournalPosition, b: JournalPosition): boolean {
  return a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);
}

/*
 * The click journal as its reader sees it: positions, segment names, and the interface an
 * ingester reads through — the writer in the same thread (ClickJournal) or in another
 * (RemoteJournal, journal-thread-bridge.ts). Kept apart from the writer so a reader imports no
 * writing code.
 */

export interface JournalPosition {
  segment: number;
  offset: number;
}

/** The journal as its ingester sees it: in this thread (ClickJournal) or another (RemoteJournal). */
export interface JournalSource {
  readonly id: string;
  readonly maxBytes: number;
  readonly appendedRecords: number;
  /** Resolves once the source knows the journal's state (a remote one waits for the writer). */
  ready?(): Promise<void>;
  readable(): { segment: number; end: number; sealed: boolean }[];
  segmentPath(segment: number): string;
  /** Everything before `position` is in the database. */
  markIngested(position: JournalPosition, progress: IngestProgressLike): void;
  backlogBytes(): number;
  warning(): string | null;
  /** Why the journal cannot be written now; null while it works. */
  writeError(): string | null;
  writtenEnd(): JournalPosition;
  onAppend(listener: () => void): void;
}

/** See IngestProgress in journal-ingester.ts (kept structural here so the writer imports no ingester). */
export interface IngestProgressLike {
  ingestedRecords: number;
  backlogAtStart: number;
  appendedAtStart: number;
  lastIngestedAt: number | null;
  startedAt: number;
}

/** What an ingester in another thread needs to know of the writer (see journal-thread-bridge.ts). */
export interface JournalState {
  id: string;
  maxBytes: number;
  active: number;
  activeSize: number;
  sizes: [number, number][];
  appendedRecords: number;
  warning: string | null;
  writeError: string | null;
}

export const SEGMENT_FILE = /^(\d{12})\.seg$/;
export const segmentName = (seq: number) => `${String(seq).padStart(12, '0')}.seg`;

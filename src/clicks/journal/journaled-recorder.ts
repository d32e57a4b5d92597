import type { Clock } from '../../runtime/clock.js';
import type { ClickRecorder } from '../click-recorder.js';
import type { Visit, VisitOutcome } from '../visit.js';
import type { Link } from '../../links/link-schema.js';
import type { ClickJournal } from './click-journal.js';
import type { SegmentSnapshot } from './journal-batch.js';
import { encodeSnapshot, encodeVisitRecord } from './visit-codec.js';

const RECORDED: VisitOutcome = { status: 'recorded' };

/**
 * Where the redirect sends visits when the click journal is on. A visit is durable once appended
 * to the journal; the ingester counts it later. Links with `max_clicks` keep the synchronous
 * database path: whether this click is still allowed (302) or over the limit (410) must be decided
 * before answering, under the link row's lock, so the limit stays exact across processes. A full
 * journal (database away too long) or one that cannot be written (a full disk, its directory
 * removed) falls back to the synchronous path too.
 */
export class JournaledRecorder {
  /**
   * One snapshot key per link object: the redirect's cache hands out a new object when a link
   * changes, so a new key (and snapshot) follows every edit, and each record names the link as it
   * was clicked. Objects the cache dropped are forgotten with them.
   */
  private readonly snapshots = new WeakMap<Link, SegmentSnapshot>();
  private nextKey = 1;

  constructor(
    private readonly journal: ClickJournal,
    private readonly sync: ClickRecorder,
    private readonly clock: Clock,
  ) {}

  record(visit: Visit): Promise<VisitOutcome> {
    if (visit.kind === 'click' && visit.link.max_clicks !== null) return this.sync.record(visit);
    const snapshot = this.snapshotOf(visit.link);
    // The journal refuses a record it cannot hold (full, or its disk failing: JournalUnavailableError)
    // and never keeps part of one: the visit is then counted through the database, and the
    // visitor still gets the redirect.
    return this.journal.append(encodeVisitRecord(visit, snapshot.key, this.clock.now()), snapshot).then(
      () => RECORDED,
      () => this.sync.record(visit),
    );
  }

  private snapshotOf(link: Link): SegmentSnapshot {
    let snapshot = this.snapshots.get(link);
    if (snapshot === undefined) {
      const key = this.nextKey++;
      snapshot = { key, payload: () => encodeSnapshot(key, link) };
      this.snapshots.set(link, snapshot);
    }
    return snapshot;
  }
}

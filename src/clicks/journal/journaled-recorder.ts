import type { Clock } from '../../clock.js';
import type { ClickRecorder, Visit, VisitOutcome } from '../click-recorder.js';
import { JournalFullError, type ClickJournal } from './click-journal.js';
import { encodeVisit } from './visit-codec.js';

const RECORDED: VisitOutcome = { status: 'recorded' };

/**
 * Where the redirect sends visits when the click journal is on. A visit is durable once appended
 * to the journal; the ingester counts it later. Links with `max_clicks` keep the synchronous
 * database path: whether this click is still allowed (302) or over the limit (410) must be decided
 * before answering, under the link row's lock, so the limit stays exact across processes. A full
 * journal (database away too long) falls back to the synchronous path too.
 */
export class JournaledRecorder {
  constructor(
    private readonly journal: ClickJournal,
    private readonly sync: ClickRecorder,
    private readonly clock: Clock,
  ) {}

  record(visit: Visit): Promise<VisitOutcome> {
    if (visit.kind === 'click' && visit.link.max_clicks !== null) return this.sync.record(visit);
    return this.journal.append(encodeVisit(visit, this.clock.now())).then(
      () => RECORDED,
      (err: unknown) => {
        if (err instanceof JournalFullError) return this.sync.record(visit);
        throw err;
      },
    );
  }
}

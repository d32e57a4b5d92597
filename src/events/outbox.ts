import type { Clock } from '../runtime/clock.js';
import { toIso } from '../runtime/clock.js';
import type { IdSource } from '../runtime/ids.js';
import type { EventFanoutTable, EventTable } from '../storage/schema.js';
import { storeLinkVersions, type LinkVersion } from '../storage/link-versions.js';
import type { Tx } from '../storage/storage.js';
import { actorJson, currentActor, SYSTEM_ACTOR_JSON, type Actor } from './actor.js';
import type { EventType } from './event-types.js';
import { notifyEventsCreated } from '../storage/signals.js';

export interface EventEnvelope {
  id: string;
  type: EventType;
  timestamp: string;
  workspace_id: string;
  /** Who caused it; `{type: "system", id: null}` when no person or key did. */
  actor: Actor;
  data: Record<string, unknown>;
}

export interface NewEvent {
  type: EventType;
  workspaceId: string;
  linkId?: string | null;
  data: Record<string, unknown>;
  /** `JSON.stringify(data)` when the caller built it more cheaply (the click hot path). */
  dataJson?: string;
  /** Who caused it: null for the system; absent, the actor of the API request being served (events/actor.ts). */
  actor?: Actor | null;
  /**
   * A click event's link as a stored version and its count at this click: the event is stored as
   * `restJson` (its data without the link) naming the version, which is stored once (migration 022).
   * `dataJson` must be `{"link":<head><clicks><tail>,` + `restJson` after its `{`.
   */
  linkRef?: { version: LinkVersion; clicks: number; restJson: string };
}

/**
 * Fans events out in the transaction that writes them (the delivery engine's Fanout, where the
 * writer and a worker share a thread): see Fanout.fanOutInTransaction.
 */
export interface InlineFanout {
  /** Returns the ids of the events it did not get to: those enter `event_fanout`. */
  fanOutInTransaction(tx: Tx, events: readonly EventTable[]): Promise<readonly string[]>;
}

/**
 * Appends events in the caller's transaction, so an event exists if and only if its change committed.
 * Each event also enters `event_fanout`, the queue the delivery engine drains, unless an
 * `InlineFanout` has already turned it into deliveries in the same transaction.
 */
export class Outbox {
  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
    /** Told the types of appended events once their transaction commits (metrics). */
    private readonly onCommitted: ((types: readonly string[]) => void) | null = null,
    private readonly inlineFanout: InlineFanout | null = null,
  ) {}

  /** This outbox, fanning out through `fanout` in the writing transaction. */
  withInlineFanout(fanout: InlineFanout): Outbox {
    return new Outbox(this.ids, this.clock, this.onCommitted, fanout);
  }

  async append(tx: Tx, events: NewEvent[]): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const requestActor = currentActor();
    const { rows, now } = await this.insert(tx, events, (e) => (e.actor === undefined ? requestActor : e.actor), true);
    const timestamp = toIso(now);
    return rows.map((r, i) => ({
      id: r.id,
      type: events[i]!.type,
      timestamp,
      workspace_id: r.workspace_id,
      actor: r.actor === null ? systemActor() : (JSON.parse(r.actor) as Actor),
      data: events[i]!.data,
    }));
  }

  /**
   * `append` for a caller that does not need the envelopes back: the click ingest, thousands per
   * batch. Visits are nobody's API call, so these events are the system's unless they say otherwise.
   */
  async write(tx: Tx, events: NewEvent[]): Promise<void> {
    if (events.length > 0) await this.insert(tx, events, (e) => e.actor ?? null, false);
  }

  private async insert(tx: Tx, events: NewEvent[], actorOf: (e: NewEvent) => Actor | null, withRows: boolean): Promise<{ rows: EventTable[]; now: number }> {
    const now = this.clock.now();
    // `stored` are the events as written; `rows` as readers see them (whole `data`), made only for
    // those who read them (append's envelopes, the inline fan-out): a click batch's write() does not.
    const wantRows = withRows || this.inlineFanout !== null;
    const rows: EventTable[] = wantRows ? new Array<EventTable>(events.length) : [];
    const stored: EventTable[] = new Array<EventTable>(events.length);
    const fanout: EventFanoutTable[] = new Array<EventFanoutTable>(events.length);
    // The versions the events name, by object first (a batch's clicks share a few): no key string per event.
    const named = new Map<LinkVersion, string>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const id = this.ids.next('evt');
      const linkId = e.linkId ?? null;
      const actor = actorJson(actorOf(e));
      const ref = e.linkRef;
      if (ref && linkId !== null) {
        // Same keys in the same order as below: insertRows takes the columns from the first row.
        stored[i] = { id, workspace_id: e.workspaceId, type: e.type, link_id: linkId, timestamp: now, data: ref.restJson, actor, link_version: ref.version.hash, link_clicks: ref.clicks };
        named.set(ref.version, linkId);
      } else {
        stored[i] = { id, workspace_id: e.workspaceId, type: e.type, link_id: linkId, timestamp: now, data: e.dataJson ?? JSON.stringify(e.data), actor, link_version: null, link_clicks: null };
      }
      if (wantRows) {
        const data = ref && linkId !== null ? (e.dataJson ?? JSON.stringify(e.data)) : stored[i]!.data;
        rows[i] = { id, workspace_id: e.workspaceId, type: e.type, link_id: linkId, timestamp: now, data, actor };
      }
      fanout[i] = { event_id: id, created_at: now };
    }
    const versions = new Map<string, { linkId: string; version: LinkVersion }>();
    for (const [version, linkId] of named) {
      const key = `${linkId} ${version.hash}`;
      if (!versions.has(key)) versions.set(key, { linkId, version });
    }
    await storeLinkVersions(tx, versions, now);
    // A batch's events mostly share their workspace, type, link, time and actor: bound once (SQLite).
    await tx.insertRows('events', stored, { shared: ['workspace_id', 'type', 'link_id', 'timestamp', 'actor', 'link_version'] });
    let queued = fanout;
    if (this.inlineFanout) {
      const left = new Set(await this.inlineFanout.fanOutInTransaction(tx, rows));
      queued = left.size === 0 ? [] : fanout.filter((f) => left.has(f.event_id));
    }
    await tx.insertRows('event_fanout', queued, { shared: ['created_at'] });
    // Event streams wake on every new event; the fan-out loop only when there is a queue to drain.
    await notifyEventsCreated(tx, queued.length === 0);
    const onCommitted = this.onCommitted;
    if (onCommitted) tx.afterCommit(() => onCommitted(events.map((e) => e.type)));
    return { rows, now };
  }
}

/** An event as stored: `data` is its JSON text. */
export interface StoredEvent {
  id: string;
  type: string;
  timestamp: number;
  workspace_id: string;
  data: string;
  /** The actor's JSON text; null for the system. */
  actor: string | null;
}

function systemActor(): Actor {
  return { type: 'system', id: null };
}

function isSystem(actor: Actor | undefined): boolean {
  return actor === undefined || (actor.type === 'system' && actor.id === null);
}

/**
 * The envelope's JSON, byte for byte what `JSON.stringify(envelopeFromRow(row))` gives, built
 * around the stored `data` text without parsing it: the delivery hot path sends it as is.
 */
export function envelopeJsonFromRow(row: StoredEvent): string {
  return `{"id":${JSON.stringify(row.id)},"type":${JSON.stringify(row.type)},"timestamp":"${toIso(row.timestamp)}","workspace_id":${JSON.stringify(row.workspace_id)},"actor":${row.actor ?? SYSTEM_ACTOR_JSON},"data":${row.data}}`;
}

export function storedEventFromEnvelope(envelope: EventEnvelope): StoredEvent {
  return {
    id: envelope.id,
    type: envelope.type,
    timestamp: Date.parse(envelope.timestamp),
    workspace_id: envelope.workspace_id,
    data: JSON.stringify(envelope.data),
    // An envelope from before actors (or a hand-made sample without one) is the system's.
    actor: isSystem(envelope.actor) ? null : JSON.stringify(envelope.actor),
  };
}

export function envelopeFromRow(row: StoredEvent): EventEnvelope {
  return {
    id: row.id,
    type: row.type as EventType,
    timestamp: toIso(row.timestamp),
    workspace_id: row.workspace_id,
    actor: row.actor == null ? systemActor() : (JSON.parse(row.actor) as Actor),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

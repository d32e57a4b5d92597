import type { NewEvent } from '../events/outbox.js';
import type { Link } from '../links/link-schema.js';
import { linkVersion, type LinkVersion } from '../storage/link-versions.js';
import type { Visit } from './visit.js';

/*
 * Where a click becomes an event. The click recorder calls these inside the transaction that
 * counts the click, so a counted click and its events commit together or not at all.
 */

export const MILESTONES_FROM = 100;

/** 100, 1 000, 10 000, … crossed when a count goes from `before` (exclusive) to `after` (inclusive). */
export function milestonesCrossed(before: number, after: number): number[] {
  const out: number[] = [];
  for (let m = MILESTONES_FROM; m <= after; m *= 10) if (m > before) out.push(m);
  return out;
}

/** A counted click: `link.clicked`, and `qr.scanned` too when it came from the QR code. `clicks` is the count including it. */
export function clickEvents(visit: Extract<Visit, { kind: 'click' }>, clicks: number): NewEvent[] {
  const link = visit.link;
  const linkId = link.id;
  const clickJson = visit.clickJson ?? JSON.stringify(visit.click);
  const version = linkVersionOf(link);
  const dataJson = version ? `{"link":${version.head}${clicks}${version.tail},"click":${clickJson}}` : `{"link":${JSON.stringify({ ...link, clicks })},"click":${clickJson}}`;
  // Stored, the event names the link's version and count (migration 022) and keeps only the click.
  const linkRef = version ? { version, clicks, restJson: `{"click":${clickJson}}` } : undefined;
  // The outbox stores `dataJson`; the link's copy with this count (30-odd fields, per click) is
  // only made if something reads `data.link`. JSON.stringify(data) calls the getter too.
  const data = {
    get link() {
      return { ...link, clicks };
    },
    click: visit.click,
  };
  const event: NewEvent = { type: 'link.clicked', workspaceId: link.workspace_id, linkId, data, dataJson, ...(linkRef ? { linkRef } : {}) };
  const events: NewEvent[] = [event];
  if (visit.click.qr) events.push({ ...event, type: 'qr.scanned' });
  return events;
}

/*
 * The click events' JSON without serialising the link per click. A link's API object (1-2 KB) is
 * shared by all its clicks in a batch (the redirect's cache, the journal's snapshot): it is
 * serialised once, split where `clicks` goes, and each event splices its count in. The result is
 * byte for byte `JSON.stringify({ link: { ...link, clicks }, click })`. The two halves are also the
 * link's stored version (storage/link-versions.ts).
 */
const CLICKS_MARK = '\u0000linkwire:clicks\u0000';
const CLICKS_MARK_JSON = JSON.stringify(CLICKS_MARK);
const linkVersions = new WeakMap<Link, LinkVersion | null>();

function linkVersionOf(link: Link): LinkVersion | null {
  let version = linkVersions.get(link);
  if (version === undefined) {
    const text = JSON.stringify({ ...link, clicks: CLICKS_MARK });
    const at = text.indexOf(CLICKS_MARK_JSON);
    // A link whose own text holds the mark (never in practice) is serialised the plain way, and stored whole.
    version = at >= 0 && text.indexOf(CLICKS_MARK_JSON, at + 1) < 0 ? linkVersion(text.slice(0, at), text.slice(at + CLICKS_MARK_JSON.length)) : null;
    linkVersions.set(link, version);
  }
  return version;
}

/** What a link's counter moving from `before` to `after` announces: the click limit reached (once), milestones crossed. */
export function counterEvents(link: Link, before: number, after: number, reachedLimit: boolean): NewEvent[] {
  const linkId = link.id;
  const events: NewEvent[] = [];
  if (reachedLimit) events.push({ type: 'link.limit_reached', workspaceId: link.workspace_id, linkId, data: { link } });
  for (const milestone of milestonesCrossed(before, after)) {
    events.push({ type: 'analytics.milestone', workspaceId: link.workspace_id, linkId, data: { link: { ...link, clicks: milestone }, milestone } });
  }
  return events;
}

/** A visit refused by the link's geo rules. */
export function geoBlockedEvent(visit: Extract<Visit, { kind: 'geo_blocked' }>): NewEvent {
  return { type: 'link.geo_blocked', workspaceId: visit.link.workspace_id, linkId: visit.link.id, data: { link: visit.link, click: visit.click } };
}

/** The first visit after a link expired. */
export function expiredEvent(visit: Extract<Visit, { kind: 'expired' }>): NewEvent {
  return { type: 'link.expired', workspaceId: visit.link.workspace_id, linkId: visit.link.id, data: { link: visit.link } };
}

import type { Link } from '../../links/link-schema.js';
import type { Click } from '../click-schema.js';
import type { Visit } from '../visit.js';
import { encodeTextFrame } from './frame.js';

/*
 * Journal payloads (the frame around them is frame.ts). Two kinds of record, both UTF-8 text:
 *
 *   link snapshot   L<key>\t<link JSON>
 *   visit           <c|g|e><append ms>\t<key>\t<click JSON>      (expired: nothing after the key)
 *
 * A visit names its link by the key of a snapshot written EARLIER IN THE SAME SEGMENT: the link's
 * API object is 1-2 KB, a click ~0.4 KB, and most clicks of a segment go to a few links. The
 * writer (ClickJournal.append's `snapshot`) writes a snapshot the first time a segment needs it;
 * the redirect's cache hands out a new link object whenever the link changes, and a new object
 * gets a new key, so each visit still carries the link exactly as it was when it was clicked.
 * Keys are only meaningful within one segment (every process start opens a new segment).
 *
 * The reader keeps the snapshots of the segment it is in; resuming in the middle of a segment it
 * first reads that segment's snapshots from its start (JournalIngester). Records written by a
 * version before snapshots existed (a JSON object per visit, link inlined) are still read.
 */

/** The first byte of a link snapshot's payload ('L'). */
export const SNAPSHOT_BYTE = 0x4c;
const SNAPSHOT = SNAPSHOT_BYTE;
const LEGACY = 0x7b; // '{'
const TAB = 0x09;
const KIND_CODE = { click: 'c', geo_blocked: 'g', expired: 'e' } as const;
const KIND_OF: Record<number, Visit['kind']> = { 0x63: 'click', 0x67: 'geo_blocked', 0x65: 'expired' };

// A cached link's API object is immutable and shared by every visit until the cache reloads it:
// serialise it once, not per snapshot.
const linkJson = new WeakMap<Link, string>();

function jsonOf(link: Link): string {
  let text = linkJson.get(link);
  if (text === undefined) {
    text = JSON.stringify(link);
    linkJson.set(link, text);
  }
  return text;
}

export function encodeSnapshot(key: number, link: Link): string {
  return `L${key}\t${jsonOf(link)}`;
}

/** A visit naming its link by `key` (see encodeSnapshot); `at` is the append time (for lag reporting). */
export function encodeVisitRecord(visit: Visit, key: number, at: number): string {
  const head = `${KIND_CODE[visit.kind]}${at}\t${key}\t`;
  if (visit.kind === 'expired') return head;
  return head + (visit.kind === 'click' && visit.clickJson !== undefined ? visit.clickJson : JSON.stringify(visit.click));
}

export function isSnapshot(payload: Buffer): boolean {
  return payload[0] === SNAPSHOT;
}

export interface LinkSnapshot {
  key: number;
  link: Link;
}

/** Throws on a payload that is not a snapshot (the caller logs and skips it). */
export function decodeSnapshot(payload: Buffer): LinkSnapshot {
  if (payload[0] !== SNAPSHOT) throw new Error('not a link snapshot record');
  const tab = payload.indexOf(TAB, 1);
  const key = readDecimal(payload, 1, tab);
  const link = JSON.parse(payload.toString('utf8', tab + 1)) as Link;
  if (typeof link !== 'object' || link === null || typeof link.id !== 'string') throw new Error('link snapshot without a link');
  return { key, link };
}

export interface JournaledVisit {
  visit: Visit;
  at: number;
}

/**
 * The visit record at `buf[start, end)` (no Buffer view per record: the ingester decodes many);
 * `links` resolves the key it names (the segment's snapshots so far). Throws on a payload that is
 * not a visit, or names a snapshot this segment does not hold (lost to damage): the caller logs
 * and skips it.
 */
export function decodeVisitAt(buf: Buffer, start: number, end: number, links: (key: number) => Link | undefined): JournaledVisit {
  if (buf[start] === LEGACY) return decodeLegacyVisit(buf.subarray(start, end));
  const kind = KIND_OF[buf[start]!];
  if (kind === undefined) throw new Error('not a visit record');
  const tab1 = buf.indexOf(TAB, start + 1);
  const tab2 = tab1 < 0 || tab1 >= end ? -1 : buf.indexOf(TAB, tab1 + 1);
  if (tab2 < 0 || tab2 >= end) throw new Error('visit record without a link key');
  const at = readDecimal(buf, start + 1, tab1);
  const key = readDecimal(buf, tab1 + 1, tab2);
  const link = links(key);
  if (link === undefined) throw new Error(`visit record names link snapshot ${key}, which this segment does not hold`);
  if (kind === 'expired') return { visit: { kind, link }, at };
  const text = buf.toString('utf8', tab2 + 1, end);
  const click = JSON.parse(text) as Click;
  if (typeof click !== 'object' || click === null) throw new Error('visit record without a click');
  if (kind === 'geo_blocked') return { visit: { kind, link, click }, at };
  // The event's `click` is this very text: no second serialisation in the ingester.
  return { visit: { kind, link, click, clickJson: text }, at };
}

/**
 * A visit record's append time, read without decoding the rest (the ingester's lag figure); null
 * for a record this cannot tell it of (the pre-snapshot format, damage: decodeVisitAt reports those).
 */
export function visitTime(payload: Buffer): number | null {
  if (KIND_OF[payload[0]!] === undefined) return null;
  const tab = payload.indexOf(TAB, 1);
  if (tab < 0) return null;
  try {
    return readDecimal(payload, 1, tab);
  } catch {
    return null;
  }
}

/**
 * Frames for `visits` as one fresh segment would hold them, snapshots included (tests, the
 * ingest bench, and anything else that prepares a journal by hand).
 */
export function encodeSegment(visits: readonly { visit: Visit; at: number }[]): Buffer {
  const keys = new Map<Link, number>();
  const frames: Buffer[] = [];
  for (const { visit, at } of visits) {
    let key = keys.get(visit.link);
    if (key === undefined) {
      key = keys.size + 1;
      keys.set(visit.link, key);
      frames.push(encodeTextFrame(encodeSnapshot(key, visit.link)));
    }
    frames.push(encodeTextFrame(encodeVisitRecord(visit, key, at)));
  }
  return Buffer.concat(frames);
}

/** ASCII digits in [from, to) (no allocation: this runs once or twice per record). */
function readDecimal(buf: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 16) throw new Error('malformed journal record');
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) throw new Error('malformed journal record');
    n = n * 10 + d;
  }
  return n;
}

const LEGACY_KIND: Record<string, Visit['kind']> = { c: 'click', g: 'geo_blocked', e: 'expired' };

function decodeLegacyVisit(payload: Buffer): JournaledVisit {
  const raw = JSON.parse(payload.toString('utf8')) as { k: string; at: number; l: Link; c: unknown };
  const kind = LEGACY_KIND[raw.k];
  if (!kind || typeof raw.at !== 'number' || typeof raw.l !== 'object' || raw.l === null) throw new Error('not a visit record');
  if (kind === 'expired') return { visit: { kind, link: raw.l }, at: raw.at };
  if (typeof raw.c !== 'object' || raw.c === null) throw new Error('visit record without a click');
  return { visit: { kind, link: raw.l, click: raw.c as Click }, at: raw.at };
}

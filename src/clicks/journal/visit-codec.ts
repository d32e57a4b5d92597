import type { Link } from '../../links/link-schema.js';
import type { Visit } from '../click-recorder.js';

const KINDS = { click: 'c', geo_blocked: 'g', expired: 'e' } as const;
const BY_CODE: Record<string, Visit['kind']> = { c: 'click', g: 'geo_blocked', e: 'expired' };

// A cached link's API object is immutable and shared by every visit until the cache reloads it:
// serialise it once, not per click.
const linkJson = new WeakMap<Link, string>();

function jsonOf(link: Link): string {
  let text = linkJson.get(link);
  if (text === undefined) {
    text = JSON.stringify(link);
    linkJson.set(link, text);
  }
  return text;
}

/** A visit as a journal payload, with the time it was appended (for lag reporting). */
export function encodeVisit(visit: Visit, at: number): Buffer {
  const click = visit.kind === 'expired' ? 'null' : JSON.stringify(visit.click);
  return Buffer.from(`{"k":"${KINDS[visit.kind]}","at":${at},"l":${jsonOf(visit.link)},"c":${click}}`);
}

export interface JournaledVisit {
  visit: Visit;
  at: number;
}

/** The inverse of encodeVisit; throws on a payload that is not one (caller logs and skips it). */
export function decodeVisit(payload: Buffer): JournaledVisit {
  const raw = JSON.parse(payload.toString('utf8')) as { k: string; at: number; l: Link; c: unknown };
  const kind = BY_CODE[raw.k];
  if (!kind || typeof raw.at !== 'number' || typeof raw.l !== 'object' || raw.l === null) throw new Error('not a visit record');
  if (kind === 'expired') return { visit: { kind, link: raw.l }, at: raw.at };
  if (typeof raw.c !== 'object' || raw.c === null) throw new Error('visit record without a click');
  return { visit: { kind, link: raw.l, click: raw.c as Extract<Visit, { kind: 'click' }>['click'] }, at: raw.at };
}

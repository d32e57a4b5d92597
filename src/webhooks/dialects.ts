/*
 * Other shorteners' event names (SPEC §5b, docs/migrating/): the names each service's users
 * subscribe with, and the names each service's bodies carry. A webhook stores Linkwire's names;
 * these tables translate on the way in (events on create and update) and on the way out (bodies).
 */

/** The formats that speak another service's dialect. */
export const DIALECT_FORMATS = ['awsys', 'nobsredir', 'linkzly', 'snip', 'linkly'] as const;
export type DialectFormat = (typeof DIALECT_FORMATS)[number];

/** The service a format imitates, for messages. */
export const DIALECT_SERVICE: Readonly<Record<DialectFormat, string>> = {
  awsys: 'AWSYS.CO',
  nobsredir: 'noBSredir',
  linkzly: 'Linkzly',
  snip: 'snip.sa',
  linkly: 'Linkly',
};

/**
 * Each service's own names for our events (their name → ours). Only names that differ from
 * Linkwire's are listed: noBSredir uses Linkwire's names, and Linkly subscribes no names at all
 * (its body says `"event": "click"`, but a bare `click` stays invalid in `events`).
 */
const THEIR_NAMES: Readonly<Record<DialectFormat, Readonly<Record<string, string>>>> = {
  awsys: { 'link.click': 'link.clicked' },
  nobsredir: {},
  linkzly: { 'team.member_added': 'member.added', 'team.member_removed': 'member.removed', 'api.key_created': 'api_key.created' },
  snip: { 'url.clicked': 'link.clicked', 'url.created': 'link.created', 'url.updated': 'link.updated', 'url.deleted': 'link.deleted' },
  linkly: {},
};

const ALIASES: ReadonlyMap<string, { format: DialectFormat; canonical: string }> = new Map(
  DIALECT_FORMATS.flatMap((format) => Object.entries(THEIR_NAMES[format]).map(([name, canonical]) => [name, { format, canonical }] as const)),
);

const OUR_TO_THEIRS = new Map<DialectFormat, ReadonlyMap<string, string>>(
  DIALECT_FORMATS.map((format) => [format, new Map(Object.entries(THEIR_NAMES[format]).map(([theirs, ours]) => [ours, theirs]))]),
);

/** Another service's name for an event type → ours and whose name it is; undefined for any other name. */
export function aliasOf(name: string): { format: DialectFormat; canonical: string } | undefined {
  return ALIASES.get(name);
}

/** What a format's bodies call an event type: its service's name where it has one, else ours. */
export function theirEventName(format: DialectFormat, type: string): string {
  return OUR_TO_THEIRS.get(format)?.get(type) ?? type;
}


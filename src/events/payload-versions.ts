/*
 * Payload versions (SPEC §5c, docs/events.md "Payload versions"): a webhook is pinned to a date,
 * and every delivery it gets has that version's shape, whatever later versions change.
 * - `2026-12-01`: the envelope as it was first published.
 * - `2027-01-01`: events that carry a click (`data.click`) carry a link summary
 *   `{id, domain, slug, url, short_url, title, tags}` in `data.link` instead of the whole link.
 */

export const PAYLOAD_VERSIONS = ['2026-12-01', '2027-01-01'] as const;
export type PayloadVersion = (typeof PAYLOAD_VERSIONS)[number];
/** What a new webhook is pinned to when it does not say. */
export const NEWEST_PAYLOAD_VERSION: PayloadVersion = PAYLOAD_VERSIONS[PAYLOAD_VERSIONS.length - 1]!;
/** What webhooks made before versions existed (and replays of hand-made envelopes) receive. */
export const FIRST_PAYLOAD_VERSION: PayloadVersion = PAYLOAD_VERSIONS[0];

export function isPayloadVersion(value: unknown): value is PayloadVersion {
  return typeof value === 'string' && (PAYLOAD_VERSIONS as readonly string[]).includes(value);
}

/** What a 400 says about a version that does not exist. */
export function unknownVersionMessage(field: string, value: unknown): string {
  return `${field} ${JSON.stringify(value)} is not a payload version: use one of ${PAYLOAD_VERSIONS.join(', ')} (docs/events.md, "Payload versions")`;
}

export const LINK_SUMMARY_FIELDS = ['id', 'domain', 'slug', 'url', 'short_url', 'title', 'tags'] as const;

/** Whether an event's `data` carries a click, so version 2027-01-01 shows its link as a summary. */
export function carriesClick(data: unknown): data is Record<string, unknown> & { link: Record<string, unknown> } {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return typeof d.click === 'object' && d.click !== null && typeof d.link === 'object' && d.link !== null && !Array.isArray(d.link);
}

/** A link's summary: the fields of LINK_SUMMARY_FIELDS, in that order (null where the link lacks one). */
export function linkSummary(link: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of LINK_SUMMARY_FIELDS) out[field] = link[field] ?? null;
  return out;
}

/** An event's `data` in `version`'s shape (the stored data is always the whole of 2026-12-01's). */
export function dataForVersion(data: Record<string, unknown>, version: PayloadVersion): Record<string, unknown> {
  if (version === '2026-12-01' || !carriesClick(data)) return data;
  // The same keys in the same order, `link` replaced where it stands.
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) out[key] = key === 'link' ? linkSummary(data.link) : value;
  return out;
}

/*
 * Readers for event data that may lack any field or hold the wrong kind of value: each answers
 * undefined (or an empty record) instead of throwing, and bounds the text it returns.
 */

export type Data = Record<string, unknown>;

const MAX_VALUE_LENGTH = 300;

export function isRecord(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Data {
  return isRecord(value) ? value : {};
}

/** A non-empty string or a finite number as text, bounded in length; anything else is undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.slice(0, MAX_VALUE_LENGTH * 4).replace(/\s+/g, ' ').trim();
  return trimmed ? truncate(trimmed, MAX_VALUE_LENGTH) : undefined;
}

export function count(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : undefined;
}

export function yesNo(value: unknown): string | undefined {
  return typeof value === 'boolean' ? (value ? 'yes' : 'no') : undefined;
}

export function list(value: unknown): string | undefined {
  if (!Array.isArray(value)) return text(value);
  const items = value.slice(0, 20).map(text).filter((item): item is string => item !== undefined);
  return items.length > 0 ? truncate(items.join(', '), MAX_VALUE_LENGTH) : undefined;
}

export function httpUrl(value: unknown): string | undefined {
  const candidate = text(value);
  return candidate && /^https?:\/\//i.test(candidate) ? candidate : undefined;
}

export function isoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function joinDefined(parts: Array<string | undefined | false | null>, separator: string): string {
  return parts.filter((part): part is string => typeof part === 'string' && part !== '').join(separator);
}

export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 0) return '';
  let cut = value.slice(0, max - 1);
  // Never leave half of a surrogate pair behind.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

import { AppError, validationError } from '../errors.js';
import { EVENT_TYPE_NAMES } from '../events/catalog.js';
import type { CidrSet } from '../net/cidr.js';
import type { WebhookTable } from '../storage/schema.js';
import { FilterSyntaxError, parseFilter } from './filter.js';
import { checkWebhookUrl } from '../outbound/url-policy.js';
import { ALL_EVENTS } from './webhook-model.js';
import type { UpdateWebhookInput } from './webhook-schema.js';

/** The columns a create or update may set, already checked and normalised. */
export type WebhookColumns = Partial<Pick<WebhookTable, 'name' | 'url' | 'events' | 'filter' | 'active' | 'timeout_ms' | 'retry' | 'format' | 'headers'>>;

export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_VALUE_LENGTH = 1000;

// RFC 9110 `token`.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Node refuses to send values outside tab, visible ASCII and Latin-1; CR/LF would split the request.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// Headers Linkwire sets itself, and hop-by-hop headers that would corrupt the request framing.
const RESERVED_HEADERS = new Set([
  'content-type', 'content-length', 'host', 'user-agent',
  'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-connection',
]);
const RESERVED_PREFIXES = ['webhook-', 'x-linkwire-'];

/**
 * `events` → the stored list. Every entry must be a full event type (docs/events.md), or the list must be exactly ["*"].
 * Throws 400 INVALID_EVENTS naming each bad entry.
 */
export function checkEvents(events: readonly string[]): string[] {
  const unique = [...new Set(events)];
  if (unique.length === 0) {
    throw new AppError('INVALID_EVENTS', 'events must name at least one event type, or be ["*"] for all of them', { invalid: [] });
  }
  if (unique.length === 1 && unique[0] === ALL_EVENTS) return [ALL_EVENTS];
  const invalid = unique.filter((e) => !EVENT_TYPE_NAMES.has(e));
  if (invalid.length > 0) {
    const wildcard = invalid.includes(ALL_EVENTS) ? '; "*" must be the only entry' : '';
    throw new AppError(
      'INVALID_EVENTS',
      `Unknown event types: ${invalid.map((e) => JSON.stringify(e)).join(', ')}${wildcard}. Use full names such as "link.clicked" (GET /api/event-types lists them) or ["*"]`,
      { invalid },
    );
  }
  return unique;
}

/** `url` → its normalised form, the one that was checked. Throws 400 INVALID_URL with the reason. */
export function checkUrl(raw: string, allowPrivate: CidrSet): string {
  const result = checkWebhookUrl(raw, allowPrivate);
  if (!result.ok) throw new AppError('INVALID_URL', `url ${result.reason}`, { field: 'url', reason: result.reason });
  return result.url.href;
}

/** `filter` → the stored source (null for none). Throws 400 VALIDATION_ERROR with the syntax error's position. */
export function checkFilter(source: string | null): string | null {
  if (source === null || source.trim() === '') return null;
  try {
    parseFilter(source);
  } catch (err) {
    if (err instanceof FilterSyntaxError) {
      throw validationError(`filter: ${err.message}`, { field: 'filter', position: err.position });
    }
    throw err;
  }
  return source;
}

/** Custom request headers; returns every problem at once. */
export function headerProblems(headers: Record<string, string>): string[] {
  const problems: string[] = [];
  const names = Object.keys(headers);
  if (names.length > MAX_CUSTOM_HEADERS) problems.push(`at most ${MAX_CUSTOM_HEADERS} custom headers are allowed (got ${names.length})`);
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const shown = JSON.stringify(name);
    if (!HEADER_NAME.test(name)) {
      problems.push(`${shown} is not a valid header name`);
      continue;
    }
    if (RESERVED_HEADERS.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) {
      problems.push(`${shown} is set by Linkwire and cannot be overridden`);
    }
    if (seen.has(lower)) problems.push(`${shown} appears more than once (header names are case-insensitive)`);
    seen.add(lower);
    const value = headers[name]!;
    if (value.length > MAX_HEADER_VALUE_LENGTH) problems.push(`${shown} value must be at most ${MAX_HEADER_VALUE_LENGTH} characters`);
    if (!HEADER_VALUE.test(value)) problems.push(`${shown} value must not contain line breaks or control characters`);
  }
  return problems;
}

/**
 * Checks what JSON Schema cannot and converts the API's shape into columns.
 * Problems are reported by kind, most specific first: INVALID_EVENTS, INVALID_URL, then VALIDATION_ERROR.
 */
export function webhookColumnsFrom(input: Omit<UpdateWebhookInput, 'link_ids'>, allowPrivate: CidrSet): WebhookColumns {
  const columns: WebhookColumns = {};
  if (input.events !== undefined) columns.events = JSON.stringify(checkEvents(input.events));
  if (input.url !== undefined) columns.url = checkUrl(input.url, allowPrivate);
  if (input.headers !== undefined) {
    const problems = headerProblems(input.headers);
    if (problems.length > 0) {
      throw validationError(`headers: ${problems.join('; ')}`, { field: 'headers', problems });
    }
    columns.headers = JSON.stringify(input.headers);
  }
  if (input.filter !== undefined) columns.filter = checkFilter(input.filter);
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') throw validationError('name must not be blank', { field: 'name' });
    columns.name = name;
  }
  if (input.active !== undefined) columns.active = input.active ? 1 : 0;
  if (input.timeout_ms !== undefined) columns.timeout_ms = input.timeout_ms;
  if (input.retry !== undefined) columns.retry = JSON.stringify(input.retry);
  if (input.format !== undefined) columns.format = input.format;
  return columns;
}

import { AppError, validationError } from '../errors.js';
import { isPayloadVersion, PAYLOAD_VERSIONS, unknownVersionMessage } from '../events/payload-versions.js';
import { EVENT_TYPE_NAMES } from '../events/event-types.js';
import type { CidrSet } from '../net/cidr.js';
import type { WebhookTable } from '../storage/schema.js';
import { parseFilter } from './filter.js';
import { FilterSyntaxError } from './filter-parser.js';
import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from '../outbound/url-policy.js';
import { checkDestinationUrl, isBrokerUrl } from '../outbound/destinations.js';
import type { UpdateWebhookInput, WebhookFormat } from './webhook-schema.js';
import { aliasOf, DIALECT_SERVICE, type DialectFormat } from './dialects.js';
import { callerSecretProblem } from './signing.js';
import { ALL_EVENTS, MASK, maskHeaderValue, readableWebhookUrl } from './webhook-model.js';

/** The columns a create or update may set, already checked and normalised. */
export type WebhookColumns = Partial<Pick<WebhookTable, 'name' | 'url' | 'events' | 'filter' | 'active' | 'timeout_ms' | 'retry' | 'format' | 'payload_version' | 'headers' | 'secret'>>;

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
  // The signature headers of the other services' formats (SPEC §5b).
  'x-awsys-signature', 'x-webhook-signature', 'x-snip-signature',
]);
const RESERVED_PREFIXES = ['webhook-', 'x-linkwire-'];

/**
 * `events` → the stored list, in Linkwire's names. Every entry must be a full event type (docs/events.md),
 * or another service's name for one (SPEC §5b: `link.click`, `url.clicked`, `team.member_added`, …),
 * or the list must be exactly ["*"]. `dialect` is the service whose names were used, when they
 * all belong to one (the format to infer). Throws 400 INVALID_EVENTS naming each bad entry, or the
 * two services whose names were mixed.
 */
export function checkEvents(events: readonly string[]): { events: string[]; dialect: DialectFormat | null } {
  const given = [...new Set(events)];
  if (given.length === 0) {
    throw new AppError('INVALID_EVENTS', 'events must name at least one event type, or be ["*"] for all of them', { invalid: [] });
  }
  if (given.length === 1 && given[0] === ALL_EVENTS) return { events: [ALL_EVENTS], dialect: null };
  const foreign = new Map<DialectFormat, string[]>();
  const unique: string[] = [];
  for (const name of given) {
    const alias = EVENT_TYPE_NAMES.has(name) ? undefined : aliasOf(name);
    if (alias) foreign.set(alias.format, [...(foreign.get(alias.format) ?? []), name]);
    const canonical = alias?.canonical ?? name;
    if (!unique.includes(canonical)) unique.push(canonical);
  }
  if (foreign.size > 1) {
    const services = [...foreign.entries()];
    throw new AppError(
      'INVALID_EVENTS',
      `events mix the event names of ${services.length} services: ${services.map(([format, names]) => `${names.map((n) => JSON.stringify(n)).join(', ')} (${DIALECT_SERVICE[format]})`).join(' and ')}. A webhook speaks one service's dialect: use one service's names (or Linkwire's), or one webhook per service`,
      { invalid: services.flatMap(([, names]) => names), services: services.map(([format]) => format) },
    );
  }
  const invalid = unique.filter((e) => !EVENT_TYPE_NAMES.has(e));
  if (invalid.length > 0) {
    const wildcard = invalid.includes(ALL_EVENTS) ? '; "*" must be the only entry' : '';
    throw new AppError(
      'INVALID_EVENTS',
      `Unknown event types: ${invalid.map((e) => JSON.stringify(e)).join(', ')}${wildcard}. Use full names such as "link.clicked" (GET /api/event-types lists them) or ["*"]`,
      { invalid },
    );
  }
  return { events: unique, dialect: foreign.size === 1 ? [...foreign.keys()][0]! : null };
}

/** `url` → its normalised form, the one that was checked. Throws 400 INVALID_URL with the reason. */
export function checkUrl(raw: string, allowPrivate: CidrSet, destinations: readonly string[] = []): string {
  const result = isBrokerUrl(raw) ? checkBrokerUrl(raw, destinations) : checkWebhookUrl(raw, allowPrivate);
  if (!result.ok) throw new AppError('INVALID_URL', `url ${result.reason}`, { field: 'url', reason: result.reason });
  return result.url.href;
}

/** A broker destination (SPEC §5c): a prefix in LINKWIRE_DESTINATIONS and the shape its broker needs. */
function checkBrokerUrl(raw: string, destinations: readonly string[]): { ok: true; url: URL } | { ok: false; reason: string } {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.password.includes(encodeURIComponent(MASK)) || url.username.includes(encodeURIComponent(MASK))) {
    return { ok: false, reason: `credentials are masked ("${MASK}"): send the real ones, or send back this webhook's masked url unchanged to keep them` };
  }
  return checkDestinationUrl(url, destinations);
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

/**
 * A broker url's credentials are write-only: the masked url a read showed, sent back unchanged,
 * keeps the stored one.
 */
export function unmaskUrl(given: string, stored: string): string {
  return given !== stored && readableWebhookUrl(stored) === given ? stored : given;
}

/**
 * Header values are write-only, so a client that read a webhook and sends its headers back sends
 * masked values: each one equal to the mask of the stored value of that header keeps the stored value.
 */
export function unmaskHeaders(given: Record<string, string>, stored: Record<string, string>): Record<string, string> {
  const storedByName = new Map(Object.entries(stored).map(([name, value]) => [name.toLowerCase(), value]));
  return Object.fromEntries(
    Object.entries(given).map(([name, value]) => {
      const current = storedByName.get(name.toLowerCase());
      return [name, value.startsWith(MASK) && current !== undefined && maskHeaderValue(current) === value ? current : value];
    }),
  );
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
    if (value.startsWith(MASK)) {
      problems.push(`${shown} value is masked ("${MASK}…"): send the real value, or send back the masked value of a header this webhook already has to keep it`);
      continue;
    }
    if (value.length > MAX_HEADER_VALUE_LENGTH) problems.push(`${shown} value must be at most ${MAX_HEADER_VALUE_LENGTH} characters`);
    if (!HEADER_VALUE.test(value)) problems.push(`${shown} value must not contain line breaks or control characters`);
  }
  return problems;
}

/**
 * Checks what JSON Schema cannot and converts the API's shape into columns.
 * Problems are reported by kind, most specific first: INVALID_EVENTS, INVALID_URL, then VALIDATION_ERROR.
 */
export function webhookColumnsFrom(input: Omit<UpdateWebhookInput, 'link_ids'> & { secret?: string }, allowPrivate: CidrSet, destinations: readonly string[] = []): WebhookColumns {
  const columns: WebhookColumns = {};
  if (input.events !== undefined) {
    const { events, dialect } = checkEvents(input.events);
    columns.events = JSON.stringify(events);
    // Another service's names and no format: that service's dialect, so its receivers keep working (SPEC §5b).
    if (input.format === undefined && dialect !== null) columns.format = dialect;
  }
  if (input.url !== undefined) columns.url = checkUrl(input.url, allowPrivate, destinations);
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
  if (input.format !== undefined) columns.format = input.format satisfies WebhookFormat;
  if (input.payload_version !== undefined) {
    if (!isPayloadVersion(input.payload_version)) throw validationError(unknownVersionMessage('payload_version', input.payload_version), { field: 'payload_version', versions: PAYLOAD_VERSIONS });
    columns.payload_version = input.payload_version;
  }
  if (input.secret !== undefined) {
    const problem = callerSecretProblem(input.secret);
    if (problem !== null) throw validationError(problem, { field: 'secret' });
    columns.secret = input.secret;
  }
  return columns;
}

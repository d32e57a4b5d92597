import { validationError } from '../errors.js';
import type { LinkTable } from '../storage/schema.js';
import { ALERT_LIMITS, type Alert, type CreateLinkInput, type Rule, type UpdateLinkInput } from './link-schema.js';
import { normaliseDestination } from './destination-url.js';
import { LINK_LIMITS } from './link-limits.js';
import { isReservedSlug } from './slugs.js';

export interface FieldError {
  field: string;
  message: string;
}

/** Why an `expires_at` of `ms` cannot be set at `nowMs`, or null. A link created already expired would only ever answer 410. */
export function pastExpiryError(ms: number, nowMs: number): FieldError | null {
  if (ms > nowMs) return null;
  return { field: 'expires_at', message: `is in the past (${new Date(ms).toISOString()}; it is now ${new Date(nowMs).toISOString()}): a link would be expired from the start; give a future time, or null for no expiry` };
}

/** The columns a create or update may set, already checked and normalised. */
export type LinkColumns = Partial<Omit<LinkTable, 'id' | 'workspace_id' | 'clicks' | 'bot_clicks' | 'expired_notified' | 'limit_notified' | 'created_at' | 'updated_at' | 'created_by'>>;

/** A destination (url, expired_url, a rule's url) in its stored spelling, or why it cannot be one. */
function destination(field: string, text: string, err: (field: string, message: string) => void): string | undefined {
  const result = normaliseDestination(text);
  if (!result.ok) {
    err(field, result.message);
    return undefined;
  }
  if (result.url.length > LINK_LIMITS.urlLength) {
    err(field, `must be at most ${LINK_LIMITS.urlLength} characters once percent-encoded (it is ${result.url.length})`);
    return undefined;
  }
  return result.url;
}

const DEVICE_VALUES = new Set(['desktop', 'mobile', 'tablet', 'smarttv', 'console', 'wearable', 'embedded']);

/**
 * Checks what JSON Schema cannot (URLs, dates, rule semantics) and converts the API's shape into columns.
 * Returns every problem at once, so a client can fix a request in one go.
 */
export function linkColumnsFrom(input: CreateLinkInput | UpdateLinkInput): { columns: LinkColumns; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const columns: LinkColumns = {};
  const err = (field: string, message: string) => errors.push({ field, message });

  if (input.url !== undefined) {
    const url = destination('url', input.url, err);
    if (url !== undefined) columns.url = url;
  }
  if (input.domain !== undefined) columns.domain = input.domain.trim().toLowerCase();
  if (input.slug !== undefined) {
    if (isReservedSlug(input.slug)) err('slug', `"${input.slug}" is reserved`);
    else columns.slug = input.slug;
  }
  if (input.title !== undefined) columns.title = input.title;
  if (input.tags !== undefined) columns.tags = JSON.stringify([...new Set(input.tags.map((t) => t.trim()).filter(Boolean))]);
  if (input.expires_at !== undefined) {
    if (input.expires_at === null) columns.expires_at = null;
    else {
      const ms = Date.parse(input.expires_at);
      if (Number.isNaN(ms)) err('expires_at', 'must be an ISO-8601 date-time');
      else columns.expires_at = ms;
    }
  }
  if (input.expired_url !== undefined) {
    if (input.expired_url === null) columns.expired_url = null;
    else {
      const url = destination('expired_url', input.expired_url, err);
      if (url !== undefined) columns.expired_url = url;
    }
  }
  if (input.max_clicks !== undefined) columns.max_clicks = input.max_clicks;
  if (input.geo_block !== undefined) columns.geo_block = JSON.stringify([...new Set(input.geo_block.map((c) => c.toUpperCase()))]);
  if (input.rules !== undefined) {
    const rules: Rule[] = [];
    if (input.rules.length > LINK_LIMITS.rules) err('rules', `must have at most ${LINK_LIMITS.rules} rules (got ${input.rules.length})`);
    let rotatorTotal = 0;
    input.rules.forEach((rule, i) => {
      const at = `rules[${i}]`;
      const url = destination(`${at}.url`, rule.url, err) ?? rule.url;
      const matches = rule.matches === undefined ? [] : Array.isArray(rule.matches) ? rule.matches : [rule.matches];
      if (matches.length > LINK_LIMITS.matchesPerRule) err(`${at}.matches`, `must have at most ${LINK_LIMITS.matchesPerRule} values (got ${matches.length})`);
      if (rule.what === 'rotator') {
        // Rotator weights are percentages of visits; the link's own url takes what is left (docs/links.md).
        if (rule.weight === undefined) err(`${at}.weight`, 'is required for a rotator rule (a percentage, 1–100)');
        rotatorTotal += rule.weight ?? 0;
        rules.push({ what: 'rotator', url, weight: rule.weight ?? 0 });
        return;
      }
      if (matches.length === 0) err(`${at}.matches`, `is required for a ${rule.what} rule`);
      if (rule.what === 'country' && matches.some((m) => !/^[A-Za-z]{2}$/.test(m))) err(`${at}.matches`, 'must be ISO country codes');
      if (rule.what === 'device' && matches.some((m) => !DEVICE_VALUES.has(m.toLowerCase()))) {
        err(`${at}.matches`, `devices must be among ${[...DEVICE_VALUES].join(', ')}`);
      }
      const normalised = rule.what === 'country' ? matches.map((m) => m.toUpperCase()) : matches.map((m) => m.toLowerCase());
      rules.push({ what: rule.what, matches: normalised, url });
    });
    if (rotatorTotal > 100) err('rules', `rotator weights are percentages and must add up to at most 100 (they add up to ${rotatorTotal})`);
    columns.rules = JSON.stringify(rules);
  }
  for (const key of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'og_title', 'og_description'] as const) {
    if (input[key] !== undefined) columns[key] = input[key];
  }
  if (input.forward_params !== undefined) columns.forward_params = input.forward_params ? 1 : 0;
  if (input.block_bots !== undefined) columns.block_bots = input.block_bots ? 1 : 0;
  if (input.monitor !== undefined) columns.monitor = input.monitor ? 1 : 0;
  if (input.enabled !== undefined) columns.enabled = input.enabled ? 1 : 0;
  if (input.cloaking !== undefined) columns.cloaking = input.cloaking ? 1 : 0;
  if (input.public_analytics !== undefined) columns.public_analytics = input.public_analytics ? 1 : 0;
  if (input.track_conversions !== undefined) columns.track_conversions = input.track_conversions ? 1 : 0;
  if (input.alerts !== undefined) {
    const alerts = alertsFrom(input.alerts, err);
    if (alerts) columns.alerts = JSON.stringify(alerts);
  }
  return { columns, errors };
}

/** Traffic alerts, checked against ALERT_LIMITS; null (and errors) when any is out of bounds. */
function alertsFrom(alerts: readonly Alert[], err: (field: string, message: string) => void): Alert[] | null {
  const L = ALERT_LIMITS;
  let ok = true;
  if (alerts.length > L.perLink) {
    err('alerts', `must have at most ${L.perLink} alerts (got ${alerts.length})`);
    ok = false;
  }
  const seen = new Set<string>();
  alerts.forEach((a, i) => {
    if (a.clicks < L.minClicks || a.clicks > L.maxClicks) {
      err(`alerts[${i}].clicks`, `must be between ${L.minClicks} and ${L.maxClicks} (got ${a.clicks})`);
      ok = false;
    }
    if (a.window_s < L.minWindowS || a.window_s > L.maxWindowS) {
      err(`alerts[${i}].window_s`, `must be between ${L.minWindowS} (a minute) and ${L.maxWindowS} (a day) seconds (got ${a.window_s})`);
      ok = false;
    }
    const key = `${a.clicks}/${a.window_s}`;
    if (seen.has(key)) {
      err(`alerts[${i}]`, `repeats ${a.clicks} clicks in ${a.window_s} s`);
      ok = false;
    }
    seen.add(key);
  });
  return ok ? alerts.map((a) => ({ clicks: a.clicks, window_s: a.window_s })) : null;
}

/** The stored fields that grow with input, as one JSON text: the measure of LINK_LIMITS.totalBytes. */
export function linkSizeError(row: Partial<LinkTable>): FieldError | null {
  const { url, expired_url, rules, tags, title, og_title, og_description, geo_block, utm_source, utm_medium, utm_campaign, utm_term, utm_content } = row;
  const bytes = Buffer.byteLength(
    JSON.stringify([url, expired_url, rules, tags, title, og_title, og_description, geo_block, utm_source, utm_medium, utm_campaign, utm_term, utm_content]),
  );
  if (bytes <= LINK_LIMITS.totalBytes) return null;
  return { field: 'body', message: `a link may hold at most ${LINK_LIMITS.totalBytes} bytes of URLs, rules, tags and texts (this one has ${bytes})` };
}

export function throwIfErrors(errors: FieldError[], prefix = ''): void {
  if (errors.length === 0) return;
  const fields = errors.map((e) => ({ field: prefix + e.field, message: e.message }));
  throw validationError(`Invalid link: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, { fields });
}

import { validationError } from '../errors.js';
import type { LinkTable } from '../storage/schema.js';
import type { CreateLinkInput, Rule, UpdateLinkInput } from './link-schema.js';
import { isReservedSlug } from './slugs.js';

export interface FieldError {
  field: string;
  message: string;
}

/** The columns a create or update may set, already checked and normalised. */
export type LinkColumns = Partial<Omit<LinkTable, 'id' | 'workspace_id' | 'clicks' | 'expired_notified' | 'limit_notified' | 'created_at' | 'updated_at'>>;

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
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
    if (isHttpUrl(input.url)) columns.url = input.url;
    else err('url', 'must be an absolute http(s) URL');
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
    if (input.expired_url === null || isHttpUrl(input.expired_url)) columns.expired_url = input.expired_url;
    else err('expired_url', 'must be an absolute http(s) URL');
  }
  if (input.max_clicks !== undefined) columns.max_clicks = input.max_clicks;
  if (input.geo_block !== undefined) columns.geo_block = JSON.stringify([...new Set(input.geo_block.map((c) => c.toUpperCase()))]);
  if (input.rules !== undefined) {
    const rules: Rule[] = [];
    input.rules.forEach((rule, i) => {
      const at = `rules[${i}]`;
      if (!isHttpUrl(rule.url)) err(`${at}.url`, 'must be an absolute http(s) URL');
      const matches = rule.matches === undefined ? [] : Array.isArray(rule.matches) ? rule.matches : [rule.matches];
      if (rule.what === 'rotator') {
        rules.push({ what: 'rotator', url: rule.url, weight: rule.weight ?? 1 });
        return;
      }
      if (matches.length === 0) err(`${at}.matches`, `is required for a ${rule.what} rule`);
      if (rule.what === 'country' && matches.some((m) => !/^[A-Za-z]{2}$/.test(m))) err(`${at}.matches`, 'must be ISO country codes');
      if (rule.what === 'device' && matches.some((m) => !DEVICE_VALUES.has(m.toLowerCase()))) {
        err(`${at}.matches`, `devices must be among ${[...DEVICE_VALUES].join(', ')}`);
      }
      const normalised = rule.what === 'country' ? matches.map((m) => m.toUpperCase()) : matches.map((m) => m.toLowerCase());
      rules.push({ what: rule.what, matches: normalised, url: rule.url });
    });
    columns.rules = JSON.stringify(rules);
  }
  for (const key of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'og_title', 'og_description'] as const) {
    if (input[key] !== undefined) columns[key] = input[key];
  }
  if (input.forward_params !== undefined) columns.forward_params = input.forward_params ? 1 : 0;
  if (input.block_bots !== undefined) columns.block_bots = input.block_bots ? 1 : 0;
  if (input.monitor !== undefined) columns.monitor = input.monitor ? 1 : 0;
  return { columns, errors };
}

export function throwIfErrors(errors: FieldError[], prefix = ''): void {
  if (errors.length === 0) return;
  const fields = errors.map((e) => ({ field: prefix + e.field, message: e.message }));
  throw validationError(`Invalid link: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, { fields });
}

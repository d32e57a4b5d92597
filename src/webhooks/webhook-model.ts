import { maskDestinationCredentials } from '../outbound/destinations.js';
import { FIRST_PAYLOAD_VERSION, isPayloadVersion, type PayloadVersion } from '../events/payload-versions.js';
import { toIso, toIsoOrNull } from '../runtime/clock.js';
import type { WebhookTable } from '../storage/schema.js';
import type { RetryPolicy, Webhook, WebhookFormat } from './webhook-schema.js';

/** The wildcard subscription: every event type, including ones added later. */
export const ALL_EVENTS = '*';

/** A webhook as the delivery engine and the dashboard use it: parsed, typed, secrets included. */
export interface WebhookView {
  id: string;
  workspaceId: string;
  name: string;
  url: string;
  /** The subscribed types, or '*' for all of them. */
  events: string[] | '*';
  /** Empty: events of the whole workspace; otherwise only events about these links. */
  linkIds: string[];
  filter: string | null;
  active: boolean;
  timeoutMs: number;
  retry: RetryPolicy;
  format: WebhookFormat;
  /** The payload version its deliveries have (SPEC §5c). */
  payloadVersion: PayloadVersion;
  headers: Record<string, string>;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
  consecutiveFailures: number;
  failingSince: number | null;
  disabledAt: number | null;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A webhook that lives only in this process and is never stored: `linkwire listen`'s forwarder, the
 * worker's warm-up. Active, every event, no filter, no headers of its own, no rotation under way.
 */
export function inProcessWebhook(
  fields: Pick<WebhookView, 'id' | 'workspaceId' | 'name' | 'url' | 'secret' | 'format' | 'payloadVersion' | 'timeoutMs' | 'retry'>,
  now: number,
): WebhookView {
  return {
    ...fields,
    events: '*',
    linkIds: [],
    filter: null,
    active: true,
    headers: {},
    previousSecret: null,
    previousSecretExpiresAt: null,
    consecutiveFailures: 0,
    failingSince: null,
    disabledAt: null,
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** `events` column text → '*' or the list. */
export function parseEvents(text: string): string[] | '*' {
  const list = JSON.parse(text) as string[];
  return list.length === 1 && list[0] === ALL_EVENTS ? ALL_EVENTS : list;
}

export function parseWebhookRow(row: WebhookTable, linkIds: readonly string[] = []): WebhookView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    url: row.url,
    events: parseEvents(row.events),
    linkIds: [...linkIds],
    filter: row.filter,
    active: row.active === 1,
    timeoutMs: row.timeout_ms,
    retry: JSON.parse(row.retry) as RetryPolicy,
    format: row.format as WebhookFormat,
    payloadVersion: isPayloadVersion(row.payload_version) ? row.payload_version : FIRST_PAYLOAD_VERSION,
    headers: JSON.parse(row.headers) as Record<string, string>,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Whether a webhook wants an event of this type about this link (not counting `active` or `filter`). */
export function subscribesTo(view: Pick<WebhookView, 'events' | 'linkIds'>, type: string, linkId: string | null): boolean {
  if (view.events !== ALL_EVENTS && !view.events.includes(type)) return false;
  if (view.linkIds.length === 0) return true;
  return linkId !== null && view.linkIds.includes(linkId);
}

/** What reads show of a custom header value (write-only, SPEC §5): its last 4 characters when it is long enough to spare them. */
export const MASK = '••••';
export function maskHeaderValue(value: string): string {
  if (value.startsWith(MASK)) return value; // already masked
  return value.length >= 12 ? `${MASK}${value.slice(-4)}` : MASK;
}

export function maskHeaderValues(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, maskHeaderValue(value)]));
}

/** A webhook's url as reads show it: a broker destination's credentials masked (write-only, SPEC §5c); an HTTPS url has none. */
export function readableWebhookUrl(url: string): string {
  return maskDestinationCredentials(url, MASK);
}

/** A stored row and its links → the API's webhook object (no secrets; custom header values masked). */
export function renderWebhook(row: WebhookTable, linkIds: readonly string[]): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: readableWebhookUrl(row.url),
    events: JSON.parse(row.events) as string[],
    link_ids: [...linkIds].sort(),
    filter: row.filter,
    active: row.active === 1,
    timeout_ms: row.timeout_ms,
    retry: JSON.parse(row.retry) as RetryPolicy,
    format: row.format as WebhookFormat,
    payload_version: isPayloadVersion(row.payload_version) ? row.payload_version : FIRST_PAYLOAD_VERSION,
    headers: maskHeaderValues(JSON.parse(row.headers) as Record<string, string>),
    disabled_at: toIsoOrNull(row.disabled_at),
    disabled_reason: row.disabled_reason,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

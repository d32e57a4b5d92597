/*
 * The names of the events Linkwire emits, with no schema attached: what the outbox, webhook input
 * and routes check names against. catalog.ts gives each its description and data schema (it needs
 * the domains' schemas); the compiler keeps the two lists the same, in the same order.
 */

/** Every event type, in the order `/api/event-types` lists them (docs/events.md). */
export const EVENT_TYPE_LIST = Object.freeze([
  'link.clicked',
  'qr.scanned',
  'link.created',
  'link.updated',
  'link.deleted',
  'link.expired',
  'link.limit_reached',
  'link.geo_blocked',
  'link.broken',
  'link.recovered',
  'analytics.milestone',
  'domain.added',
  'domain.verified',
  'domain.removed',
  'member.added',
  'member.removed',
  'member.role_changed',
  'api_key.created',
  'integration.connected',
  'account.upgraded',
  'account.downgraded',
  'security.login_failed',
  'security.password_reset',
  'security.2fa_enabled',
  'security.2fa_disabled',
  'webhook.disabled',
  'link.not_found',
  'lead.created',
  'sale.created',
  'analytics.threshold',
] as const);

/** The name of an event type. */
export type EventType = (typeof EVENT_TYPE_LIST)[number];

export const EVENT_TYPE_NAMES: ReadonlySet<string> = new Set(EVENT_TYPE_LIST);

export function isEventType(name: string): name is EventType {
  return EVENT_TYPE_NAMES.has(name);
}

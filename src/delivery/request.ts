import type { StoredEvent } from '../events/outbox.js';
import { renderBody, renderDelivery, type PayloadVersion } from '../webhooks/formats.js';
import type { WebhookFormat } from '../webhooks/webhook-schema.js';
import { VERSION } from '../runtime/version.js';
import { maskHeaderValue, type WebhookView } from '../webhooks/webhook-model.js';
import { signatureHeaders } from '../webhooks/signing.js';
import type { TargetResponse } from '../outbound/target-client.js';

export const USER_AGENT = `Linkwire-Webhooks/${VERSION}`;

/** The body for a webhook's format; the standard envelope is assembled without re-parsing the event. */
export function deliveryBody(format: WebhookFormat, version: PayloadVersion, event: StoredEvent): string {
  return renderBody(format, event, version);
}

/** buildDeliveryRequest, or why it cannot be built (never throws). */
export function tryBuildDeliveryRequest(input: Parameters<typeof buildDeliveryRequest>[0]): DeliveryRequest | { error: string } {
  try {
    return buildDeliveryRequest(input);
  } catch (err) {
    return { error: `the request could not be built: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The "response" of an attempt that never went out: no status, the reason as its error. */
export function unsentResponse(error: string): TargetResponse {
  return { statusCode: null, headers: {}, body: '', responseTimeMs: 0, error, errorKind: null, remoteAddress: null };
}

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The exact POST for one attempt (docs/webhooks.md, "A delivery"): the body and signature headers
 * of the webhook's format, the webhook's own headers, then ours (which win), signed with the
 * current secret and, during a rotation's grace period, the previous one too.
 */
export function buildDeliveryRequest(input: {
  webhook: WebhookView;
  event: StoredEvent;
  deliveryId: string;
  attempt: number;
  nowMs: number;
  /** Another version than the webhook's (a test send before an upgrade). */
  payloadVersion?: PayloadVersion;
}): DeliveryRequest {
  const { webhook, event, nowMs } = input;
  const previous =
    webhook.previousSecret && webhook.previousSecretExpiresAt !== null && webhook.previousSecretExpiresAt > nowMs && webhook.previousSecret !== webhook.secret
      ? [webhook.previousSecret]
      : [];
  const timestampSeconds = Math.floor(nowMs / 1000);
  const version = input.payloadVersion ?? webhook.payloadVersion;
  const rendered = renderDelivery(webhook.format, version, { event, timestampSeconds, secrets: [webhook.secret, ...previous] });
  const body = rendered.body;
  const signatures = signatureHeaders({ eventId: event.id, timestampSeconds, body, secret: webhook.secret, previousSecrets: previous });
  return {
    url: webhook.url,
    body,
    headers: {
      ...webhook.headers,
      ...rendered.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signatures['webhook-signature'],
      'x-linkwire-signature': signatures['x-linkwire-signature'],
      'x-linkwire-event': event.type,
      'webhook-version': version,
      'x-linkwire-delivery': input.deliveryId,
      'x-linkwire-attempt': String(input.attempt),
    },
  };
}

// Headers a delivery carries that Linkwire sets itself (the format signature headers included);
// every other header is a webhook's custom one, whose value is write-only.
const OWN_HEADERS = new Set(['content-type', 'user-agent', 'x-awsys-signature', 'x-webhook-signature', 'x-snip-signature']);
const OWN_PREFIXES = ['webhook-', 'x-linkwire-'];

/**
 * A request's headers as delivery logs keep and show them: custom header values (often
 * credentials) masked, as the webhook's own reads show them (SPEC §5). Given the webhook's custom
 * headers, a webhook without any (most of them) keeps the request's headers as they are, with no
 * work per attempt.
 */
export function loggedRequestHeaders(headers: Record<string, string>, customHeaders?: Record<string, string>): Record<string, string> {
  if (customHeaders !== undefined && Object.keys(customHeaders).length === 0) return headers;
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      const lower = name.toLowerCase();
      return [name, OWN_HEADERS.has(lower) || OWN_PREFIXES.some((p) => lower.startsWith(p)) ? value : maskHeaderValue(value)];
    }),
  );
}

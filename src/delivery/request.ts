import type { EventEnvelope } from '../events/outbox.js';
import { renderDeliveryBody } from '../webhooks/formats.js';
import type { WebhookView } from '../webhooks/webhook-model.js';
import { signatureHeaders } from './signing.js';

export const USER_AGENT = `Linkwire-Webhooks/${process.env.npm_package_version ?? '0.1.0'}`;

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The exact POST for one attempt (SPEC §5): the rendered body, the webhook's own headers,
 * then ours (which win), signed with the current secret and, during a rotation's grace period,
 * the previous one too.
 */
export function buildDeliveryRequest(input: {
  webhook: WebhookView;
  envelope: EventEnvelope;
  /** A stored body (test deliveries) instead of rendering the envelope. */
  body?: string | null;
  deliveryId: string;
  attempt: number;
  nowMs: number;
}): DeliveryRequest {
  const { webhook, envelope, nowMs } = input;
  const body = input.body ?? renderDeliveryBody(webhook.format, envelope);
  const previous =
    webhook.previousSecret && webhook.previousSecretExpiresAt !== null && webhook.previousSecretExpiresAt > nowMs ? [webhook.previousSecret] : [];
  const timestampSeconds = Math.floor(nowMs / 1000);
  const signatures = signatureHeaders({ eventId: envelope.id, timestampSeconds, body, secret: webhook.secret, previousSecrets: previous });
  return {
    url: webhook.url,
    body,
    headers: {
      ...webhook.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': envelope.id,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signatures['webhook-signature'],
      'x-linkwire-signature': signatures['x-linkwire-signature'],
      'x-linkwire-event': envelope.type,
      'x-linkwire-delivery': input.deliveryId,
      'x-linkwire-attempt': String(input.attempt),
    },
  };
}

import { performance } from 'node:perf_hooks';
import { PAYLOAD_VERSIONS } from '../events/payload-versions.js';
import { sampleEvent } from '../events/samples.js';
import { storedEventFromEnvelope } from '../events/outbox.js';
import { createIdSource } from '../runtime/ids.js';
import { WebhookFormatSchema, type WebhookFormat } from '../webhooks/webhook-schema.js';
import { generateWebhookSecret } from '../webhooks/signing.js';
import { inProcessWebhook, type WebhookView } from '../webhooks/webhook-model.js';
import { tryBuildDeliveryRequest } from './request.js';

/** Every format a webhook can have, read off its schema so a new one is warmed too. */
export const WARMED_FORMATS = WebhookFormatSchema.anyOf.map((literal) => literal.const);

/**
 * Renders and signs sample click deliveries in every format and payload version, without sending
 * or storing anything, so that V8 has compiled and optimised the per-delivery code before the
 * first real click needs it. Cold, the first second of a load start ran this code interpreted and
 * the click→webhook lag of that second was 5–10× the steady one (issue 26 item 2).
 * Returns how long it took and how many requests were built (a format that cannot render the
 * sample would warm nothing, silently: its test counts them).
 */
export function warmDeliveryRendering(rounds = 200): { ms: number; built: number } {
  const started = performance.now();
  const ids = createIdSource();
  const now = Date.now();
  const envelope = sampleEvent('link.clicked', 'ws_warmup', ids, now);
  const event = storedEventFromEnvelope(envelope);
  const secret = generateWebhookSecret();
  let built = 0;
  for (let round = 0; round < rounds; round++) {
    for (const format of WARMED_FORMATS) {
      for (const payloadVersion of PAYLOAD_VERSIONS) {
        const request = tryBuildDeliveryRequest({ webhook: warmUpWebhook(format, payloadVersion, secret, now), event, deliveryId: 'dlv_warmup', attempt: 1, nowMs: now });
        if (!('error' in request)) built++;
      }
    }
  }
  return { ms: performance.now() - started, built };
}

function warmUpWebhook(format: WebhookFormat, payloadVersion: WebhookView['payloadVersion'], secret: string, now: number): WebhookView {
  return inProcessWebhook(
    { id: 'wh_warmup', workspaceId: 'ws_warmup', name: 'warm-up', url: 'https://127.0.0.1/warm-up', secret, format, payloadVersion, timeoutMs: 10_000, retry: { mode: 'exponential' } },
    now,
  );
}

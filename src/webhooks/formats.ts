/*
 * Delivery bodies per webhook `format` (docs/webhooks.md): the raw envelope for `standard`, or a
 * human message for a Slack or Discord incoming webhook (chat-messages.ts), built from the event's
 * summary (event-summary.ts). Nothing here throws, whatever the event data holds.
 */

import { discordMessage, slackMessage } from './chat-messages.js';
import type { AnyEventEnvelope } from './event-summary.js';
import type { WebhookFormat } from './webhook-schema.js';

// The summaries and the chat layouts live in their own modules; their public names stay importable from here.
export { escapeSlackText } from './chat-messages.js';
export { summarizeEvent, summaryLine, type AnyEventEnvelope, type EventSummary, type SummaryField, type SummaryTone } from './event-summary.js';

export function renderDeliveryBody(format: WebhookFormat, envelope: AnyEventEnvelope): string {
  switch (format) {
    case 'slack':
      return JSON.stringify(slackMessage(envelope));
    case 'discord':
      return JSON.stringify(discordMessage(envelope));
    default:
      return JSON.stringify(envelope);
  }
}

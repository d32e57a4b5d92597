/*
 * Event summaries: one readable line plus a few labelled fields per event, independent of the
 * chat service that shows them (chat-messages.ts lays them out for Slack and Discord). Event data
 * comes from many producers and may lack any field, so every reader here tolerates absence
 * (tolerant-readers.ts) and nothing throws.
 */

import type { EventEnvelope } from '../events/outbox.js';
import { asRecord } from './tolerant-readers.js';
import { summarizeAnalyticsEvent, summarizeLinkEvent, summarizeQrEvent } from './link-summaries.js';
import { summarizeGeneric, type EventSummary, type Summarizer } from './summary-model.js';
import {
  summarizeAccountEvent,
  summarizeApiKeyEvent,
  summarizeDomainEvent,
  summarizeIntegrationEvent,
  summarizeMemberEvent,
  summarizeSecurityEvent,
  summarizeWebhookEvent,
} from './workspace-summaries.js';

/** An envelope as the formats read it: any type string, so a body renders whatever arrives. */
export type AnyEventEnvelope = Omit<EventEnvelope, 'type'> & { type: string };

/** The one-line form: "🔗 Link clicked — https://lw.to/abc → https://example.com from US". */
export function summaryLine(summary: EventSummary): string {
  const heading = `${summary.emoji} ${summary.title}`;
  return summary.details ? `${heading}${summary.separator ?? ' — '}${summary.details}` : heading;
}

export function summarizeEvent(envelope: AnyEventEnvelope): EventSummary {
  const type = typeof envelope.type === 'string' ? envelope.type : String(envelope.type);
  const data = asRecord(envelope.data);
  const dot = type.indexOf('.');
  const family = dot < 0 ? type : type.slice(0, dot);
  const summarize = Object.hasOwn(FAMILIES, family) ? FAMILIES[family as keyof typeof FAMILIES] : summarizeGeneric;
  return summarize(type, data);
}

const FAMILIES = {
  link: summarizeLinkEvent,
  qr: summarizeQrEvent,
  analytics: summarizeAnalyticsEvent,
  domain: summarizeDomainEvent,
  member: summarizeMemberEvent,
  api_key: summarizeApiKeyEvent,
  integration: summarizeIntegrationEvent,
  account: summarizeAccountEvent,
  security: summarizeSecurityEvent,
  webhook: summarizeWebhookEvent,
} satisfies Record<string, Summarizer>;

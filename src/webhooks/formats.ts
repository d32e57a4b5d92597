/*
 * Delivery bodies and their format-specific signature headers, per webhook `format` and payload
 * version (docs/webhooks.md, `format`; SPEC §5b): one renderer per format in ./formats/. The
 * Standard Webhooks and x-linkwire-* headers every format carries are added by the delivery
 * request (src/delivery/request.ts). Nothing here throws, whatever the event data holds.
 */

import { envelopeFromRow, type StoredEvent } from '../events/outbox.js';
import type { AnyEventEnvelope } from './event-summary.js';
import { awsysFormat } from './formats/awsys.js';
import { discordFormat, slackFormat } from './formats/chat.js';
import { linklyFormat } from './formats/linkly.js';
import { linkzlyFormat } from './formats/linkzly.js';
import { nobsredirFormat } from './formats/nobsredir.js';
import { envelopeToRender, eventToRender, type FormatRenderer } from './formats/renderer.js';
import { snipFormat } from './formats/snip.js';
import { standardFormat } from './formats/standard.js';
import type { WebhookFormat } from './webhook-schema.js';

/**
 * Payload versions (SPEC §5c): a version pins the shape a webhook receives. Only today's exists;
 * a later one adds its renderers to RENDERERS under its date, falling back to the previous
 * version's for formats it does not change.
 */
export const PAYLOAD_VERSIONS = ['2026-12-01'] as const;
export type PayloadVersion = (typeof PAYLOAD_VERSIONS)[number];
export const CURRENT_PAYLOAD_VERSION: PayloadVersion = '2026-12-01';

const RENDERERS: Readonly<Record<PayloadVersion, Readonly<Record<WebhookFormat, FormatRenderer>>>> = {
  '2026-12-01': {
    standard: standardFormat,
    slack: slackFormat,
    discord: discordFormat,
    awsys: awsysFormat,
    nobsredir: nobsredirFormat,
    linkzly: linkzlyFormat,
    snip: snipFormat,
    linkly: linklyFormat,
  },
};

export function rendererFor(format: WebhookFormat, version: PayloadVersion = CURRENT_PAYLOAD_VERSION): FormatRenderer {
  return RENDERERS[version][format];
}

export interface RenderedDelivery {
  body: string;
  /** The format's own signature headers (none for formats that do not sign). */
  headers: Record<string, string>;
}

/** `(format, version) → {body, headers}` for one stored event. */
export function renderDelivery(
  format: WebhookFormat,
  version: PayloadVersion,
  input: { event: StoredEvent; timestampSeconds: number; secrets: readonly string[] },
): RenderedDelivery {
  const renderer = rendererFor(format, version);
  const body = renderer.body(eventToRender(input.event, parseRow));
  const headers = renderer.signatureHeaders?.({ body, timestampSeconds: input.timestampSeconds, secrets: input.secrets }) ?? {};
  return { body, headers };
}

/** Only the body (delivery logs, previews); the standard envelope is assembled without re-parsing the event. */
export function renderBody(format: WebhookFormat, event: StoredEvent, version: PayloadVersion = CURRENT_PAYLOAD_VERSION): string {
  return rendererFor(format, version).body(eventToRender(event, parseRow));
}

/** The body for an envelope already in hand (a sample, a preview). */
export function renderDeliveryBody(format: WebhookFormat, envelope: AnyEventEnvelope): string {
  return rendererFor(format).body(envelopeToRender(envelope));
}

const parseRow = (row: StoredEvent): AnyEventEnvelope => envelopeFromRow(row);

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
import { standardFormat, standardSummaryFormat } from './formats/standard.js';
import { FIRST_PAYLOAD_VERSION, type PayloadVersion } from '../events/payload-versions.js';
import type { WebhookFormat } from './webhook-schema.js';

/**
 * Payload versions (SPEC §5c, events/payload-versions.ts): a version pins the shape a webhook
 * receives. 2027-01-01 changes only the standard envelope (a link summary in click events); the
 * chat messages and the other services' dialects have shapes of their own, rendered from the whole
 * event whatever the version.
 */
export type { PayloadVersion } from '../events/payload-versions.js';

const RENDERERS_2026_12_01: Readonly<Record<WebhookFormat, FormatRenderer>> = {
  standard: standardFormat,
  slack: slackFormat,
  discord: discordFormat,
  awsys: awsysFormat,
  nobsredir: nobsredirFormat,
  linkzly: linkzlyFormat,
  snip: snipFormat,
  linkly: linklyFormat,
};

const RENDERERS: Readonly<Record<PayloadVersion, Readonly<Record<WebhookFormat, FormatRenderer>>>> = {
  '2026-12-01': RENDERERS_2026_12_01,
  '2027-01-01': { ...RENDERERS_2026_12_01, standard: standardSummaryFormat },
};

export function rendererFor(format: WebhookFormat, version: PayloadVersion): FormatRenderer {
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
export function renderBody(format: WebhookFormat, event: StoredEvent, version: PayloadVersion): string {
  return rendererFor(format, version).body(eventToRender(event, parseRow));
}

/** The body for an envelope already in hand (a sample, a preview). */
export function renderDeliveryBody(format: WebhookFormat, envelope: AnyEventEnvelope, version: PayloadVersion = FIRST_PAYLOAD_VERSION): string {
  return rendererFor(format, version).body(envelopeToRender(envelope));
}

const parseRow = (row: StoredEvent): AnyEventEnvelope => envelopeFromRow(row);

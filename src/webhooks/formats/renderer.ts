/*
 * What one webhook format is (docs/webhooks.md, `format`; SPEC §5b): how an event becomes a delivery
 * body, and which signature headers of its own that body carries. Renderers are pure functions of
 * the event (and, for signatures, the body, the time and the secrets); none throws on odd data.
 */

import { envelopeJsonFromRow, type StoredEvent } from '../../events/outbox.js';
import type { AnyEventEnvelope } from '../event-summary.js';

/** An event as a renderer sees it: the Linkwire envelope as JSON text, or parsed when a renderer needs it. */
export interface EventToRender {
  /** The Linkwire event type. */
  readonly type: string;
  /**
   * The envelope's JSON, optionally with another `type`. From a stored row it is assembled around
   * the stored `data` text without parsing it (the click→delivery hot path).
   */
  envelopeJson(type?: string): string;
  /** The envelope, parsed on first use and then kept. */
  envelope(): AnyEventEnvelope;
}

export interface SigningInput {
  /** The exact body that will be sent. */
  body: string;
  timestampSeconds: number;
  /** The current secret first, then any still inside a rotation's grace period. */
  secrets: readonly string[];
}

export interface FormatRenderer {
  body(event: EventToRender): string;
  /** The format's own signature headers (lower-case names); absent for formats that do not sign. */
  signatureHeaders?(input: SigningInput): Record<string, string>;
}

/** A stored event; `parse` turns the row into its envelope when a renderer asks for it. */
export function eventToRender(row: StoredEvent, parse: (row: StoredEvent) => AnyEventEnvelope): EventToRender {
  let envelope: AnyEventEnvelope | undefined;
  return {
    type: row.type,
    envelopeJson: (type) => envelopeJsonFromRow(type === undefined ? row : { ...row, type }),
    envelope: () => (envelope ??= parse(row)),
  };
}

/** An envelope already in hand (a sample, a preview), however odd its fields. */
export function envelopeToRender(envelope: AnyEventEnvelope): EventToRender {
  return {
    type: typeof envelope.type === 'string' ? envelope.type : String(envelope.type),
    envelopeJson: (type) => JSON.stringify(type === undefined ? envelope : { ...envelope, type }),
    envelope: () => envelope,
  };
}

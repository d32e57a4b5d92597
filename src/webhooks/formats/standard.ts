import { dataForVersion } from '../../events/payload-versions.js';
import type { FormatRenderer } from './renderer.js';

/**
 * `standard`: the Linkwire envelope (SPEC §4), signed only by the headers every format carries.
 * The click→delivery hot path: the JSON is assembled around the stored `data` text, never parsed.
 */
export const standardFormat: FormatRenderer = {
  body: (event) => event.envelopeJson(),
};

/**
 * `standard` from payload version 2027-01-01 on: click-carrying events show their link as a
 * summary (events/payload-versions.ts); every other event is the envelope as before, unparsed.
 */
export const standardSummaryFormat: FormatRenderer = {
  body: (event) => {
    if (!mayCarryClick(event.type)) return event.envelopeJson();
    const envelope = event.envelope();
    const data = envelope.data;
    if (typeof data !== 'object' || data === null) return event.envelopeJson();
    const shaped = dataForVersion(data, '2027-01-01');
    return shaped === data ? event.envelopeJson() : JSON.stringify({ ...envelope, data: shaped });
  },
};

/** Event types whose data may hold a click (the rest skip the parse). */
const CLICK_CARRYING = new Set(['link.clicked', 'qr.scanned', 'link.geo_blocked', 'lead.created', 'sale.created']);
function mayCarryClick(type: string): boolean {
  return CLICK_CARRYING.has(type);
}

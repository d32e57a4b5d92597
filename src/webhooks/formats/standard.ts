import type { FormatRenderer } from './renderer.js';

/**
 * `standard`: the Linkwire envelope (SPEC §4), signed only by the headers every format carries.
 * The click→delivery hot path: the JSON is assembled around the stored `data` text, never parsed.
 */
export const standardFormat: FormatRenderer = {
  body: (event) => event.envelopeJson(),
};

import { theirEventName } from '../dialects.js';
import { asRecord, type Data } from '../tolerant-readers.js';
import { hexHmac, recordOrNull, scalar, stringOrNull } from './readers.js';
import type { FormatRenderer } from './renderer.js';

/**
 * `snip` (snip.sa, docs/migrating/snip.md): `{event, timestamp, data: {urlId, shortCode,
 * originalUrl, click?}}` with snip.sa's `url.*` names. Signed in `x-snip-signature` as the hex
 * HMAC-SHA256 of the body keyed with the secret string. snip.sa's receivers sign
 * `JSON.stringify(req.body)`, the re-serialised parsed body: the body is sent compact, as
 * JSON.stringify writes it, so re-serialising yields exactly the bytes that were signed.
 *
 * During a rotation's grace period the header holds one signature per secret, space-separated;
 * snip.sa's own sample compares the whole header, so it needs the split shown in the guide (or a
 * rotation without grace period, which is all snip.sa offers).
 */
export const snipFormat: FormatRenderer = {
  body(event) {
    const envelope = event.envelope();
    const data = asRecord(envelope.data);
    return JSON.stringify({ event: theirEventName('snip', envelope.type), timestamp: envelope.timestamp, data: snipData(data) });
  },
  signatureHeaders: ({ body, secrets }) => ({
    'x-snip-signature': secrets.map((secret) => hexHmac(secret, body)).join(' '),
  }),
};

function snipData(data: Data): Data {
  const link = recordOrNull(data['link']);
  if (!link) return data;
  const out: Data = { urlId: scalar(link['id']), shortCode: stringOrNull(link['slug']), originalUrl: stringOrNull(link['url']) };
  const click = recordOrNull(data['click']);
  if (click) {
    out['click'] = {
      country: stringOrNull(click['country']),
      city: stringOrNull(click['city']),
      device: stringOrNull(click['device']),
      browser: stringOrNull(click['browser']),
      os: stringOrNull(click['os']),
      // snip.sa sends the referring domain ("google.com"), not the full referrer URL.
      referrer: stringOrNull(click['referrer_domain']),
    };
  }
  return out;
}

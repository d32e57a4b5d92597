import { theirEventName } from '../dialects.js';
import { hexHmac } from './readers.js';
import type { FormatRenderer } from './renderer.js';

/**
 * `awsys` (AWSYS.CO, docs/migrating/awsys.md): the Linkwire envelope with `type` in AWSYS's names
 * (`link.click`), signed in `x-awsys-signature` as the hex HMAC-SHA256 of the raw body keyed with
 * the secret string. Like the standard envelope, it is assembled without parsing the event.
 *
 * During a rotation's grace period the header holds one signature per secret, current first,
 * space-separated (the rule of x-linkwire-signature): a receiver that compares the whole header
 * must split it on spaces, or rotate without a grace period as AWSYS itself does.
 */
export const awsysFormat: FormatRenderer = {
  body: (event) => event.envelopeJson(theirEventName('awsys', event.type)),
  signatureHeaders: ({ body, secrets }) => ({
    'x-awsys-signature': secrets.map((secret) => hexHmac(secret, body)).join(' '),
  }),
};

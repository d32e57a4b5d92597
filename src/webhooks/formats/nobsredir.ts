import { asRecord, isRecord, type Data } from '../tolerant-readers.js';
import { hexHmac, stringOrNull } from './readers.js';
import type { FormatRenderer } from './renderer.js';

/**
 * `nobsredir` (noBSredir, docs/migrating/nobsredir.md): `{id, type, workspace_id, timestamp, data}`
 * with Linkwire's event names; a link event's `data` is the flat `{id, domain, slug, target,
 * short_url}`, a domain or member event's `data` the domain or member itself. Signed in
 * `x-webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; during a
 * rotation's grace period one `v1=` per secret follows the same `t=` (as Stripe does).
 */
export const nobsredirFormat: FormatRenderer = {
  body(event) {
    const envelope = event.envelope();
    return JSON.stringify({
      id: envelope.id,
      type: envelope.type,
      workspace_id: envelope.workspace_id,
      timestamp: envelope.timestamp,
      data: nobsredirData(envelope.type, asRecord(envelope.data)),
    });
  },
  signatureHeaders: ({ body, timestampSeconds, secrets }) => ({
    'x-webhook-signature': [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${hexHmac(secret, `${timestampSeconds}.${body}`)}`)].join(','),
  }),
};

function nobsredirData(type: string, data: Data): Data {
  if (type.startsWith('link.') && isRecord(data['link'])) {
    const link = data['link'];
    return {
      id: stringOrNull(link['id']),
      domain: stringOrNull(link['domain']),
      slug: stringOrNull(link['slug']),
      target: stringOrNull(link['url']),
      short_url: stringOrNull(link['short_url']),
    };
  }
  if (type.startsWith('domain.') && isRecord(data['domain'])) return data['domain'];
  if (type.startsWith('member.') && isRecord(data['member'])) {
    return 'previous_role' in data ? { ...data['member'], previous_role: data['previous_role'] } : data['member'];
  }
  return data;
}

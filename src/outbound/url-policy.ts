import type { CidrSet } from '../net/cidr.js';
import { blockedRangeOf, describeBlockedRange } from '../net/blocked-ranges.js';
import { literalAddressOf } from '../net/host-literal.js';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Creation-time check of a webhook URL (docs/webhooks.md, `url`). Literal addresses are judged
 * here; hostnames can only be judged when they are resolved, which the delivery client
 * does for every attempt — so this refuses names that are local by definition and
 * leaves the rest to delivery.
 */
export function checkWebhookUrl(raw: string, allowPrivate: CidrSet): UrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('is not a valid URL');
  }
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('must use https');
  if (url.username !== '' || url.password !== '') return refuse('must not contain a username or password');

  // WHATWG URL has already rewritten every IPv4 spelling (decimal, hex, octal, short
  // forms, percent-encoded, full-width digits, trailing dot) into dotted form and
  // compressed IPv6, so a literal is recognisable here whatever the user typed.
  const address = literalAddressOf(url.hostname);
  if (address !== null) {
    const allowed = allowPrivate.has(address);
    if (!allowed) {
      const range = blockedRangeOf(address);
      if (range !== null) {
        return refuse(`resolves to ${describeBlockedRange(range)} (${address}); an operator can allow it with LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS`);
      }
    }
    if (url.protocol === 'http:' && !allowed) return refuse(httpsReason(allowPrivate));
    return { ok: true, url };
  }

  const nameProblem = localOnlyNameReason(url.hostname);
  if (nameProblem !== null) return refuse(nameProblem);
  // A name may be allowed plain http only when the operator allows some private targets;
  // delivery then refuses http unless the resolved address is inside that allow-list.
  if (url.protocol === 'http:' && allowPrivate.size === 0) return refuse(httpsReason(allowPrivate));
  return { ok: true, url };
}

function refuse(reason: string): UrlCheck {
  return { ok: false, reason };
}

function httpsReason(allowPrivate: CidrSet): string {
  return allowPrivate.size === 0
    ? 'must use https'
    : 'must use https (http is allowed only to addresses in LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS)';
}

// Names that never leave the machine or the local network, whatever DNS says
// (RFC 6761 localhost, RFC 6762 .local, ICANN .internal, RFC 8375 home.arpa, /etc/hosts classics).
const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback', 'localhost.localdomain']);
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);
const LOCAL_SUFFIXES = ['local', 'internal', 'localdomain', 'home.arpa'];

function localOnlyNameReason(hostname: string): string | null {
  // `localhost.` and `localhost..` are the same name to a resolver.
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return `resolves to a loopback address (${hostname})`;
  if (METADATA_NAMES.has(name)) return `is a cloud metadata host (${hostname})`;
  if (LOCAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))) {
    return `is a local network name (${hostname})`;
  }
  if (name === '') return 'has no host';
  return null;
}

import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { CidrSet, parseCidrList, unmapIPv4, type Cidr } from '../net/cidr.js';

/**
 * Which `X-Forwarded-For` hops the operator vouches for (LINKWIRE_TRUST_PROXY): none, a number of
 * proxies in front of Linkwire, or the proxies' addresses. Each proxy appends the address it
 * received the request from, so only entries written by trusted proxies are believed; the
 * left-most entries are whatever the client sent and prove nothing.
 */
export type TrustProxy = { readonly kind: 'off' } | { readonly kind: 'hops'; readonly hops: number } | { readonly kind: 'cidrs'; readonly cidrs: readonly Cidr[] };

export const TRUST_NONE: TrustProxy = Object.freeze({ kind: 'off' });

/** `""`/`false`/`0` → off; `true`/`1` → one hop; `3` → three hops; `10.0.0.0/8, 192.0.2.7` → those proxies. */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const text = (raw ?? '').trim();
  if (text === '' || /^(0|false|no|off)$/i.test(text)) return TRUST_NONE;
  if (/^(true|yes|on)$/i.test(text)) return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 32) throw new Error(`a hop count must be at most 32, got ${hops}`);
    return { kind: 'hops', hops };
  }
  return { kind: 'cidrs', cidrs: Object.freeze(parseCidrList(text)) };
}

/** The same policy in the form Fastify (proxy-addr) takes, so `request.ip` agrees with the redirect. */
export function fastifyTrustProxy(trust: TrustProxy): boolean | ((address: string, hop: number) => boolean) {
  if (trust.kind === 'off') return false;
  if (trust.kind === 'hops') {
    const hops = trust.hops;
    return (_address, hop) => hop < hops;
  }
  const set = cidrSetOf(trust);
  return (address) => set.has(address);
}

/**
 * The address a request came from, or '' when the socket is already gone: walking from the
 * socket towards the left of `X-Forwarded-For`, the first address not vouched for by the policy.
 */
export function clientIp(req: IncomingMessage, trust: TrustProxy): string {
  const remote = req.socket?.remoteAddress;
  const socketAddress = remote ? plainAddress(remote) : '';
  if (trust.kind === 'off' || !socketAddress) return socketAddress;
  const forwarded = req.headers['x-forwarded-for'];
  // Node joins repeated X-Forwarded-For headers with ", "; the array form is defensive.
  const list = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  if (!list) return socketAddress;
  const entries = list.split(',');
  const trusted = trust.kind === 'cidrs' ? cidrSetOf(trust) : null;
  let client = socketAddress;
  for (let hop = 0; hop < entries.length; hop++) {
    // `client` is a proxy we trust → believe the entry it appended (the next one leftwards).
    if (trusted ? !trusted.has(client) : hop >= (trust as { hops: number }).hops) break;
    const next = parseForwardedAddress(entries[entries.length - 1 - hop]!);
    if (next === null) break; // garbage written by someone we cannot vouch for: stop at the last good hop
    client = next;
  }
  return client;
}

const cidrSets = new WeakMap<TrustProxy, CidrSet>();
function cidrSetOf(trust: TrustProxy & { kind: 'cidrs' }): CidrSet {
  let set = cidrSets.get(trust);
  if (!set) cidrSets.set(trust, (set = new CidrSet(trust.cidrs)));
  return set;
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`, `2001:db8::1` → the address; garbage → null. */
function parseForwardedAddress(entry: string): string | null {
  let candidate = entry.trim();
  if (candidate.startsWith('[')) {
    const close = candidate.indexOf(']');
    if (close === -1) return null;
    candidate = candidate.slice(1, close);
  } else if (candidate.indexOf(':') !== -1 && candidate.indexOf(':') === candidate.lastIndexOf(':')) {
    // Exactly one colon can only be IPv4 with a port; IPv6 always has at least two.
    candidate = candidate.slice(0, candidate.indexOf(':'));
  }
  return isIP(candidate) === 0 ? null : plainAddress(candidate);
}

function plainAddress(address: string): string {
  return address.includes('.') && address.includes(':') ? (unmapIPv4(address) ?? address) : address;
}

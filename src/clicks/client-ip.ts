import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { unmapIPv4 } from '../net/cidr.js';

/**
 * The address a click came from, or '' when the socket is already gone.
 *
 * With `trustProxy`, the left-most valid `X-Forwarded-For` entry: the original client
 * as reported by the first proxy. The client can forge that entry, which is acceptable
 * for analytics but means this must never be used for access control.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    // Node joins repeated X-Forwarded-For headers with ", "; the array form is defensive.
    const list = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
    if (list) {
      for (const entry of list.split(',')) {
        const address = parseForwardedAddress(entry);
        if (address !== null) return address;
      }
    }
  }
  const remote = req.socket?.remoteAddress;
  return remote ? plainAddress(remote) : '';
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

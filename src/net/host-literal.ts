import { isIP } from 'node:net';

/**
 * The bare IP address of a WHATWG URL hostname (`127.0.0.1`, `[::1]` → `::1`), or null
 * for a name. WHATWG URL has already rewritten every IPv4 spelling it accepts (decimal,
 * hex, octal, short forms, trailing dot) into dotted form, so `url.hostname` is enough.
 */
export function literalAddressOf(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? null : bare;
}

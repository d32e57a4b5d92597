import { describe, expect, it } from 'vitest';
import { checkDestinationUrl, destinationAllowed, expandDestinationName, maskDestinationCredentials, parseDestinationPrefixes, parseNatsDestination, parseRedisDestination } from './destinations.js';

describe('LINKWIRE_DESTINATIONS', () => {
  it('parses a comma list of broker prefixes and refuses anything else, naming the entry', () => {
    expect(parseDestinationPrefixes(' nats://127.0.0.1:4222 , redis://cache.internal:6379/2 ')).toEqual(['nats://127.0.0.1:4222', 'redis://cache.internal:6379/2']);
    expect(parseDestinationPrefixes(undefined)).toEqual([]);
    expect(() => parseDestinationPrefixes('https://example.com')).toThrow(/"https:\/\/example.com" must start with nats/);
    expect(() => parseDestinationPrefixes('redis:oops')).toThrow(/no host/);
  });

  it('matches a prefix on a boundary and ignores the credentials of the url', () => {
    const prefixes = parseDestinationPrefixes('redis://10.0.0.5:6379');
    expect(destinationAllowed(new URL('redis://10.0.0.5:6379/0?stream=x'), prefixes)).toBe(true);
    expect(destinationAllowed(new URL('redis://u:p@10.0.0.5:6379/0?stream=x'), prefixes)).toBe(true);
    expect(destinationAllowed(new URL('redis://10.0.0.5:63790/0?stream=x'), prefixes)).toBe(false);
    expect(destinationAllowed(new URL('redis://10.0.0.50:6379/0?stream=x'), prefixes)).toBe(false);
  });

  it('says which brokers are allowed when none is', () => {
    const check = checkDestinationUrl(new URL('nats://127.0.0.1:4222/a'), []);
    expect(check).toEqual({ ok: false, reason: expect.stringContaining('LINKWIRE_DESTINATIONS is empty') });
  });
});

describe('destination urls', () => {
  it('reads a Redis stream destination, its database and MAXLEN cap', () => {
    expect(parseRedisDestination(new URL('redis://u:p@127.0.0.1:6379/3?stream=clicks:{link_id}&maxlen=500'))).toEqual({
      connection: 'redis://u:p@127.0.0.1:6379/3',
      address: '127.0.0.1:6379',
      stream: 'clicks:{link_id}',
      maxLength: 500,
    });
    expect(() => parseRedisDestination(new URL('redis://127.0.0.1:6379/0?stream=x&maxlen=0'))).toThrow(/maxlen/);
  });

  it('reads a NATS subject, with placeholders, and refuses wildcards', () => {
    expect(parseNatsDestination(new URL('nats://127.0.0.1:4222/clicks.{type}.{link_id}')).subject).toBe('clicks.{type}.{link_id}');
    expect(() => parseNatsDestination(new URL('nats://127.0.0.1:4222/clicks.>'))).toThrow(/wildcards/);
    expect(() => parseNatsDestination(new URL('nats://127.0.0.1:4222/a..b'))).toThrow(/non-empty tokens/);
  });

  it('replaces {link_id} and {type} per event; an event about no link gets "_"', () => {
    expect(expandDestinationName('clicks.{type}.{link_id}', 'lnk_1', 'link.clicked')).toBe('clicks.link.clicked.lnk_1');
    expect(expandDestinationName('all.{link_id}', null, 'member.added')).toBe('all._');
  });

  it('masks the password, or a lone token, and leaves other urls alone', () => {
    expect(maskDestinationCredentials('redis://reader:secret@h:6379/0?stream=s', '••••')).toBe('redis://reader:••••@h:6379/0?stream=s');
    expect(maskDestinationCredentials('nats://sometoken@h:4222/a.b', '••••')).toBe('nats://••••@h:4222/a.b');
    expect(maskDestinationCredentials('https://example.com/hook', '••••')).toBe('https://example.com/hook');
  });
});

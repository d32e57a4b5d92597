import { describe, expect, it } from 'vitest';
import { CidrSet, parseCidrList } from '../net/cidr.js';
import { refuseAddresses } from './target-policy.js';

// Pure policy checks: no address here is ever dialled.
const none = { allowPrivate: new CidrSet([]), allowPublicHttp: false };
const loopback = { allowPrivate: new CidrSet(parseCidrList('127.0.0.1/32')), allowPublicHttp: false };

describe('refuseAddresses', () => {
  it('allows public addresses over https', () => {
    expect(refuseAddresses('https:', 'hooks.example.com', ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'], none)).toBeNull();
  });

  it('refuses when any one answer is blocked, naming it', () => {
    expect(refuseAddresses('https:', 'hooks.example.com', ['93.184.216.34', '10.0.0.7'], none)).toBe(
      'target blocked: hooks.example.com resolves to 10.0.0.7 (private)',
    );
    expect(refuseAddresses('https:', 'x.example', ['93.184.216.34', '::ffff:169.254.169.254'], none)).toBe(
      'target blocked: x.example resolves to ::ffff:169.254.169.254 (metadata)',
    );
  });

  it('names only the address for literal hosts', () => {
    expect(refuseAddresses('https:', null, ['127.0.0.1'], none)).toBe('target blocked: 127.0.0.1 (loopback)');
  });

  it('lets allow-listed private addresses through, over http too', () => {
    expect(refuseAddresses('https:', null, ['127.0.0.1'], loopback)).toBeNull();
    expect(refuseAddresses('http:', 'hooks.lw.test', ['127.0.0.1'], loopback)).toBeNull();
    expect(refuseAddresses('https:', null, ['::ffff:127.0.0.1'], loopback)).toBeNull();
  });

  it('refuses http to public addresses unless allowPublicHttp', () => {
    expect(refuseAddresses('http:', 'hooks.example.com', ['93.184.216.34'], loopback)).toMatch(
      /^target blocked: http is allowed only to addresses in LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS/,
    );
    expect(refuseAddresses('http:', 'example.com', ['93.184.216.34'], { ...none, allowPublicHttp: true })).toBeNull();
    expect(refuseAddresses('http:', 'example.com', ['10.0.0.1'], { ...none, allowPublicHttp: true })).toContain('(private)');
  });

  it('fails closed on anything that is not an address', () => {
    expect(refuseAddresses('https:', 'x.example', ['not-an-ip'], none)).toContain('(invalid)');
  });
});

import { describe, expect, it } from 'vitest';
import { CidrSet, parseCidrList } from '../net/cidr.js';
import { checkWebhookUrl } from './url-policy.js';

// These tests only parse URLs: nothing here opens a connection.
const none = new CidrSet([]);
const allowLoopback = new CidrSet(parseCidrList('127.0.0.1/32'));

function reasonFor(raw: string, allow: CidrSet = none): string {
  const result = checkWebhookUrl(raw, allow);
  if (result.ok) throw new Error(`expected ${raw} to be refused, got ${result.url.href}`);
  return result.reason;
}

describe('checkWebhookUrl refuses local and special addresses in every spelling', () => {
  it.each([
    // IPv4 loopback, every spelling WHATWG URL or inet_aton accepts
    ['https://127.0.0.1/hook', 'loopback address (127.0.0.1)'],
    ['https://127.0.0.1./hook', 'loopback address (127.0.0.1)'],
    ['https://127.1/hook', 'loopback address (127.0.0.1)'],
    ['https://127.0.1/hook', 'loopback address (127.0.0.1)'],
    ['https://2130706433/hook', 'loopback address (127.0.0.1)'],
    ['https://0x7f000001/hook', 'loopback address (127.0.0.1)'],
    ['https://0X7F000001/hook', 'loopback address (127.0.0.1)'],
    ['https://0x7f.0.0.1/hook', 'loopback address (127.0.0.1)'],
    ['https://0x7f.1/hook', 'loopback address (127.0.0.1)'],
    ['https://0177.0.0.1/hook', 'loopback address (127.0.0.1)'],
    ['https://00000177.0.0.01/hook', 'loopback address (127.0.0.1)'],
    ['https://017700000001/hook', 'loopback address (127.0.0.1)'],
    ['https://%31%32%37.0.0.1/hook', 'loopback address (127.0.0.1)'],
    ['https://１２７.０.０.１/hook', 'loopback address (127.0.0.1)'],
    ['https://127.255.255.254/hook', 'loopback address (127.255.255.254)'],
    // private, CGNAT, link-local, metadata
    ['https://10.1/hook', 'private address (10.0.0.1)'],
    ['https://10.0.0.1:8443/hook', 'private address (10.0.0.1)'],
    ['https://172.16.5.4/hook', 'private address (172.16.5.4)'],
    ['https://0xc0a80001/hook', 'private address (192.168.0.1)'],
    ['https://3232235777/hook', 'private address (192.168.1.1)'],
    ['https://100.64.0.1/hook', 'carrier-grade NAT address (100.64.0.1)'],
    ['https://169.254.1.1/hook', 'link-local address (169.254.1.1)'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata address (169.254.169.254)'],
    ['https://0xa9fea9fe/', 'cloud metadata address (169.254.169.254)'],
    ['https://2852039166/', 'cloud metadata address (169.254.169.254)'],
    // unspecified, multicast, reserved, broadcast, documentation
    ['https://0.0.0.0/hook', 'unspecified address (0.0.0.0)'],
    ['https://0/hook', 'unspecified address (0.0.0.0)'],
    ['https://224.0.0.1/hook', 'multicast address (224.0.0.1)'],
    ['https://240.0.0.1/hook', 'reserved address (240.0.0.1)'],
    ['https://255.255.255.255/hook', 'broadcast address (255.255.255.255)'],
    ['https://192.0.2.1/hook', 'documentation address (192.0.2.1)'],
    ['https://198.18.0.1/hook', 'benchmarking address (198.18.0.1)'],
    // IPv6
    ['https://[::1]/hook', 'loopback address (::1)'],
    ['https://[0:0:0:0:0:0:0:1]/hook', 'loopback address (::1)'],
    ['https://[::]/hook', 'unspecified address (::)'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback address (::ffff:7f00:1)'],
    ['https://[::ffff:7f00:1]/hook', 'loopback address (::ffff:7f00:1)'],
    ['https://[0:0:0:0:0:FFFF:7F00:0001]/hook', 'loopback address (::ffff:7f00:1)'],
    ['https://[::ffff:169.254.169.254]/hook', 'cloud metadata address (::ffff:a9fe:a9fe)'],
    ['https://[::127.0.0.1]/hook', 'loopback address (::7f00:1)'],
    ['https://[64:ff9b::10.0.0.1]/hook', 'private address (64:ff9b::a00:1)'],
    ['https://[2002:7f00:1::1]/hook', 'loopback address (2002:7f00:1::1)'],
    ['https://[fd00::1]/hook', 'private address (fd00::1)'],
    ['https://[FC00::1]/hook', 'private address (fc00::1)'],
    ['https://[fd00:ec2::254]/hook', 'cloud metadata address (fd00:ec2::254)'],
    ['https://[fe80::1]/hook', 'link-local address (fe80::1)'],
    ['https://[fec0::1]/hook', 'site-local address (fec0::1)'],
    ['https://[ff02::1]/hook', 'multicast address (ff02::1)'],
    ['https://[2001:db8::1]/hook', 'documentation address (2001:db8::1)'],
    ['https://[2001::1]/hook', 'Teredo tunnel address (2001::1)'],
    ['https://[100::1]/hook', 'reserved address (100::1)'],
    // names that are local by definition
    ['https://localhost/hook', 'loopback address (localhost)'],
    ['https://LOCALHOST:8443/hook', 'loopback address (localhost)'],
    ['https://localhost./hook', 'loopback address (localhost.)'],
    ['https://localhost../hook', 'loopback address (localhost..)'],
    ['https://api.localhost/hook', 'loopback address (api.localhost)'],
    ['https://ip6-localhost/hook', 'loopback address (ip6-localhost)'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'cloud metadata host (metadata.google.internal)'],
    ['https://metadata.google.internal./', 'cloud metadata host (metadata.google.internal.)'],
    ['https://service.internal/hook', 'local network name (service.internal)'],
    ['https://printer.local/hook', 'local network name (printer.local)'],
    ['https://printer.LOCAL./hook', 'local network name (printer.local.)'],
    ['https://nas.home.arpa/hook', 'local network name (nas.home.arpa)'],
  ])('%s', (raw, expected) => {
    expect(reasonFor(raw)).toContain(expected);
  });

  it('explains the address in a readable sentence', () => {
    expect(reasonFor('https://0x7f.1/')).toBe('resolves to a loopback address (127.0.0.1); an operator can allow it with LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS');
  });
});

describe('checkWebhookUrl shape rules', () => {
  it.each([
    ['http://hooks.example.com/x', 'must use https'],
    ['http://93.184.216.34/x', 'must use https'],
    ['ftp://hooks.example.com/x', 'must use https'],
    ['file:///etc/passwd', 'must use https'],
    ['javascript:alert(1)', 'must use https'],
    ['hooks.example.com/x', 'is not a valid URL'],
    ['', 'is not a valid URL'],
    ['https://', 'is not a valid URL'],
    ['https://[fe80::1%25eth0]/hook', 'is not a valid URL'],
    ['https://127.0.0.1.1/hook', 'is not a valid URL'],
    ['https://user:pass@hooks.example.com/x', 'must not contain a username or password'],
    ['https://user@hooks.example.com/x', 'must not contain a username or password'],
    [`https://hooks.example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
  ])('%s → %s', (raw, expected) => {
    expect(reasonFor(raw)).toBe(expected);
  });

  it('accepts exactly 2048 characters', () => {
    const base = 'https://hooks.example.com/';
    const raw = base + 'a'.repeat(2048 - base.length);
    expect(checkWebhookUrl(raw, none).ok).toBe(true);
  });
});

describe('checkWebhookUrl accepts public targets (check only, never dialled)', () => {
  it.each([
    'https://hooks.example.com/linkwire',
    'https://HOOKS.Example.COM:8443/a/b?c=d#frag',
    'https://hooks.example.com./trailing-dot',
    'https://93.184.216.34/hook',
    'https://8.8.8.8/',
    'https://[2606:4700:4700::1111]/hook',
    'https://[::ffff:8.8.8.8]/hook',
    'https://xn--bcher-kva.example/hook',
    'https://bücher.example/hook',
    'https://intranet/hook',
  ])('%s', (raw) => {
    const result = checkWebhookUrl(raw, none);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.url).toBeInstanceOf(URL);
  });
});

describe('checkWebhookUrl with LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS', () => {
  it('accepts a literal inside the allow-list, over https or http', () => {
    expect(checkWebhookUrl('https://127.0.0.1:9443/hook', allowLoopback).ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1:9080/hook', allowLoopback).ok).toBe(true);
    // other spellings of the same address are the same address
    expect(checkWebhookUrl('http://2130706433:9080/hook', allowLoopback).ok).toBe(true);
    expect(checkWebhookUrl('https://[::ffff:127.0.0.1]:9443/hook', allowLoopback).ok).toBe(true);
  });

  it('still refuses blocked addresses outside the allow-list', () => {
    expect(reasonFor('https://127.0.0.2/hook', allowLoopback)).toBe('resolves to a loopback address (127.0.0.2); an operator can allow it with LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS');
    expect(reasonFor('https://[::1]/hook', allowLoopback)).toBe('resolves to a loopback address (::1); an operator can allow it with LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS');
    expect(reasonFor('http://169.254.169.254/', allowLoopback)).toContain('cloud metadata');
  });

  it('accepts a private range listed as a CIDR', () => {
    const allow = new CidrSet(parseCidrList('10.0.0.0/8, fd00::/8'));
    expect(checkWebhookUrl('http://10.20.30.40/hook', allow).ok).toBe(true);
    expect(checkWebhookUrl('https://[fd00::5]/hook', allow).ok).toBe(true);
    expect(reasonFor('https://192.168.1.1/hook', allow)).toContain('private address');
  });

  it('refuses http to a public literal even with an allow-list', () => {
    expect(reasonFor('http://93.184.216.34/hook', allowLoopback)).toMatch(/^must use https \(http is allowed only/);
  });

  it('lets http through for hostnames (delivery re-checks the resolved address)', () => {
    expect(checkWebhookUrl('http://receiver.lw.test:9080/hook', allowLoopback).ok).toBe(true);
  });

  it('keeps refusing names that are local by definition', () => {
    expect(reasonFor('https://localhost:9443/hook', allowLoopback)).toContain('loopback address (localhost)');
    expect(reasonFor('http://metadata.google.internal/', allowLoopback)).toContain('metadata');
  });
});

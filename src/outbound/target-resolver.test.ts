import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../../test/helpers/dns-server.js';
import { createHostResolver, ResolveError, type HostResolver } from './target-resolver.js';

// Only the local test DNS server is queried; its answers are all loopback.
let dns: TestDnsServer;
let resolver: HostResolver;

beforeEach(async () => {
  dns = await startDnsServer({
    'both.lw.test': { A: ['127.0.0.1', '127.0.0.3'], AAAA: ['::1', '::ffff:127.0.0.2'] },
    'v6only.lw.test': { AAAA: ['::1'] },
    'txtonly.lw.test': { TXT: ['hello'] },
  });
  resolver = createHostResolver({ host: dns.host, port: dns.port });
});

afterEach(async () => {
  resolver.close();
  await dns.close();
});

describe('createHostResolver with a DNS server', () => {
  it('returns every A then every AAAA answer', async () => {
    expect(await resolver.resolve('both.lw.test')).toEqual(['127.0.0.1', '127.0.0.3', '::1', '::ffff:127.0.0.2']);
    expect(dns.queries.map((q) => `${q.type} ${q.name}`).sort()).toEqual(['A both.lw.test', 'AAAA both.lw.test']);
  });

  it('is case-insensitive and accepts a trailing dot', async () => {
    expect(await resolver.resolve('BOTH.lw.test.')).toContain('127.0.0.1');
  });

  it('accepts a name with only one family', async () => {
    expect(await resolver.resolve('v6only.lw.test')).toEqual(['::1']);
  });

  it('sees a changed record at once (no caching)', async () => {
    await resolver.resolve('both.lw.test');
    dns.set('both.lw.test', { A: ['127.0.0.9'] });
    expect(await resolver.resolve('both.lw.test')).toEqual(['127.0.0.9']);
  });

  it('rejects unknown names and names without addresses with a ResolveError', async () => {
    await expect(resolver.resolve('missing.lw.test')).rejects.toMatchObject({ name: 'ResolveError', code: 'ENOTFOUND' });
    await expect(resolver.resolve('txtonly.lw.test')).rejects.toBeInstanceOf(ResolveError);
    await expect(resolver.resolve('txtonly.lw.test')).rejects.toThrow('txtonly.lw.test has no A or AAAA records');
  });
});

describe('createHostResolver with the system resolver', () => {
  // Numeric hosts are answered by getaddrinfo itself: no query leaves the machine.
  it('passes numeric hosts through getaddrinfo', async () => {
    const system = createHostResolver(null);
    expect(await system.resolve('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(await system.resolve('::1')).toEqual(['::1']);
  });
});

import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** A host name could not be turned into addresses. */
export class ResolveError extends Error {
  override name = 'ResolveError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface HostResolver {
  /** Every A and AAAA address of `hostname`, IPv4 first; rejects with ResolveError. */
  resolve(hostname: string): Promise<string[]>;
  /** Abandons outstanding queries. */
  close(): void;
}

/**
 * Resolves webhook target names through LINKWIRE_DNS_SERVER when configured (A and AAAA
 * queries, nothing cached) or through the system resolver (`getaddrinfo`, /etc/hosts
 * included) otherwise. Every answer is returned so the caller can vet all of them.
 */
export function createHostResolver(dnsServer: { host: string; port: number } | null): HostResolver {
  if (dnsServer === null) return systemResolver();
  // One c-ares channel per client: cheap to query, and settings stay out of global dns state.
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  const host = isIP(dnsServer.host) === 6 ? `[${dnsServer.host}]` : dnsServer.host;
  resolver.setServers([`${host}:${dnsServer.port}`]);
  return {
    async resolve(hostname) {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
      const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (addresses.length > 0) return addresses;
      // Report the more telling failure: a timeout or SERVFAIL beats "no AAAA records".
      const failures = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : []));
      const failure = failures.find((e) => e.code !== 'ENODATA' && e.code !== 'ENOTFOUND') ?? failures[0];
      if (failure === undefined || failure.code === 'ENODATA') {
        throw new ResolveError(`${hostname} has no A or AAAA records`, 'ENODATA');
      }
      throw new ResolveError(`could not resolve ${hostname} (${failure.code ?? failure.message})`, failure.code ?? 'EDNS');
    },
    close: () => resolver.cancel(),
  };
}

function systemResolver(): HostResolver {
  return {
    async resolve(hostname) {
      try {
        const answers = await lookup(hostname, { all: true, verbatim: true });
        if (answers.length === 0) throw new ResolveError(`${hostname} has no addresses`, 'ENODATA');
        return [...answers.filter((a) => a.family === 4), ...answers.filter((a) => a.family !== 4)].map((a) => a.address);
      } catch (err) {
        if (err instanceof ResolveError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? 'EDNS';
        throw new ResolveError(`could not resolve ${hostname} (${code})`, code);
      }
    },
    close: () => {},
  };
}

/**
 * `resolver`, with callers that ask for the same name while a query for it is out sharing that
 * query's answer: 32 deliveries starting together to one endpoint cost one DNS round trip, not 32
 * (each still vets the answer it gets). Nothing is kept once the answer is in — every later send asks afresh, so a
 * changed answer is seen (and vetted) at the next delivery. Callers must not modify the list.
 */
export function coalescing(resolver: HostResolver): HostResolver {
  const pending = new Map<string, Promise<string[]>>();
  return {
    resolve(hostname) {
      let answer = pending.get(hostname);
      if (answer === undefined) {
        answer = resolver.resolve(hostname).finally(() => pending.delete(hostname));
        pending.set(hostname, answer);
      }
      return answer;
    },
    close() {
      pending.clear();
      resolver.close();
    },
  };
}

import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * What DNS said about a TXT name. `absent` is a definitive answer (NXDOMAIN or no TXT records);
 * `error` (timeout, SERVFAIL, refused) proves nothing, so callers keep the domain's state.
 */
export type TxtAnswer = { status: 'found'; records: string[] } | { status: 'absent' } | { status: 'error'; code: string };

export interface TxtResolver {
  resolveTxt(name: string): Promise<TxtAnswer>;
  close(): void;
}

const ABSENT_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/** TXT lookups through LINKWIRE_DNS_SERVER when set, otherwise the system's configured servers. */
export function createTxtResolver(dnsServer: { host: string; port: number } | null): TxtResolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (dnsServer) {
    const host = isIP(dnsServer.host) === 6 ? `[${dnsServer.host}]` : dnsServer.host;
    resolver.setServers([`${host}:${dnsServer.port}`]);
  }
  return {
    async resolveTxt(name) {
      try {
        // A TXT record may arrive split in 255-byte chunks: a record's value is their concatenation.
        const chunks = await resolver.resolveTxt(name);
        return { status: 'found', records: chunks.map((parts) => parts.join('')) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EDNS';
        return ABSENT_CODES.has(code) ? { status: 'absent' } : { status: 'error', code };
      }
    },
    close: () => resolver.cancel(),
  };
}

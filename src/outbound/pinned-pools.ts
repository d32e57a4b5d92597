import type { LookupFunction } from 'node:net';
import { buildConnector, Pool } from 'undici';

/** One keep-alive pool to one site at one vetted address. */
export interface PinnedPool {
  readonly pool: Pool;
  /** Sends dispatched to it and not yet finished: a pool in use is never swept. */
  inFlight: number;
  /** The sweep round it was last used in. */
  usedInRound: number;
}

export interface PinnedPoolOptions {
  /** Keep-alive connections per site and address. */
  connections: number;
  keepAliveTimeoutMs: number;
}

/** The request deadline decides; this only bounds a connect nobody waits for any more. */
const CONNECT_TIMEOUT_MS = 30_000;
/** How often idle pools are looked for; a pool unused for two whole rounds is closed. */
const SWEEP_MS = 30_000;

/**
 * Keep-alive pools keyed by site (`https://hooks.example.com:8443`) and the vetted address it is
 * reached at. A pool's origin is the site itself, so undici writes the right Host header and takes
 * the TLS server name (and the certificate check) from it with no per-request header work; its
 * connect hook swaps the name for the pinned address, so its sockets can only ever go to the
 * address that was vetted: a DNS answer that changes later (rebinding) leads to a different pool,
 * never to this one's connections. The connector's `lookup` refuses outright, so no code path can
 * resolve a name behind our back.
 */
export class PinnedPools {
  private readonly sites = new Map<string, Map<string, PinnedPool>>();
  private readonly connect: buildConnector.connector;
  private readonly sweeper: NodeJS.Timeout;
  private round = 0;

  constructor(private readonly options: PinnedPoolOptions) {
    // One connector for every pool: its TLS session cache (keyed by server name) lets a new
    // connection to a known site resume instead of doing a full handshake.
    this.connect = buildConnector({ lookup: refuseLookup, timeout: CONNECT_TIMEOUT_MS });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** The pool for `origin` pinned to `address` (which the caller has vetted). */
  get(origin: string, address: string): PinnedPool {
    let addresses = this.sites.get(origin);
    if (addresses === undefined) {
      addresses = new Map();
      this.sites.set(origin, addresses);
    }
    let entry = addresses.get(address);
    if (entry === undefined) {
      entry = { pool: this.create(origin, address), inFlight: 0, usedInRound: this.round };
      addresses.set(address, entry);
    } else {
      entry.usedInRound = this.round;
    }
    return entry;
  }

  /** Pools held (for tests). */
  get size(): number {
    let n = 0;
    for (const addresses of this.sites.values()) n += addresses.size;
    return n;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.sites.values()].flatMap((addresses) => [...addresses.values()].map((e) => e.pool));
    this.sites.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private create(origin: string, address: string): Pool {
    const connect = this.connect;
    return new Pool(origin, {
      connections: this.options.connections,
      pipelining: 1,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      // The send's own deadline (src/outbound/deadline.ts) covers the whole exchange; undici's
      // per-phase timers would only be more timer work per request.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (options, callback) => connect({ ...options, hostname: address }, callback),
    });
  }

  /** Closes pools nobody used for a whole round (their sockets have long timed out): a rebound name's old address, a deleted webhook. */
  private sweep(): void {
    this.round++;
    for (const [origin, addresses] of this.sites) {
      for (const [address, entry] of addresses) {
        if (entry.inFlight > 0 || this.round - entry.usedInRound < 2) continue;
        addresses.delete(address);
        entry.pool.close().catch(() => {});
      }
      if (addresses.size === 0) this.sites.delete(origin);
    }
  }
}

/** Every connection is to a vetted literal address; a name reaching the socket layer is a bug. */
const refuseLookup: LookupFunction = (hostname, _options, callback) => {
  const error = Object.assign(new Error(`refusing to resolve ${hostname}: targets are connected by vetted address only`), {
    code: 'ERR_LINKWIRE_UNVETTED_LOOKUP',
  });
  callback(error, '', 4);
};

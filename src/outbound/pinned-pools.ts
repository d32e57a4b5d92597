import type { LookupFunction } from 'node:net';
import { createSecureContext } from 'node:tls';
import { buildConnector, Client } from 'undici';

/** A request waiting for, or holding, one of a pool's connections. */
export interface PooledJob {
  /** Runs the request on `client`; the job calls `release` once undici is done with it. */
  start(client: Client): void;
  /** The pool closed before a connection was free. */
  fail(error: Error): void;
}

export interface PinnedPoolOptions {
  /** Keep-alive connections per site and address, at most. */
  connections: number;
  keepAliveTimeoutMs: number;
}

/**
 * Keep-alive connections to one site (`https://hooks.example.com:8443`) at one vetted address, one
 * request at a time on each. A connection is opened only when a request finds none free, so there
 * are never more than the sends in flight needed (undici's Pool opens up to its cap: a connection
 * becomes reusable only one event-loop turn after its response, and the Pool starts another one
 * for any request arriving in between — 64 TLS handshakes for 32 sends in flight). The most
 * recently freed connection is used first, so a burst's surplus connections idle out.
 */
export class PinnedPool {
  /** Requests given to this pool and not yet given back: a pool in use is never swept. */
  inFlight = 0;
  /** The sweep round it was last used in. */
  usedInRound: number;
  private readonly clients: Client[] = [];
  private readonly idle: Client[] = [];
  private readonly waiting: PooledJob[] = [];
  private readonly discarded = new WeakSet<Client>();
  private closed = false;

  constructor(
    private readonly origin: string,
    private readonly clientOptions: Client.Options,
    private readonly max: number,
    round: number,
  ) {
    this.usedInRound = round;
  }

  /** Starts `job` on a free connection, or a new one while under the cap, or queues it for the next one freed. */
  acquire(job: PooledJob): void {
    if (this.closed) {
      job.fail(new Error('the target client is closed'));
      return;
    }
    this.inFlight++;
    const client = this.idle.pop() ?? this.open();
    if (client === undefined) this.waiting.push(job);
    else job.start(client);
  }

  /** `client` finished the request it was given (undici has called back for the last time); `broken`: its connection failed. */
  release(client: Client, broken = false): void {
    if (broken) this.discard(client);
    this.inFlight--;
    const next = this.waiting.shift();
    if (next === undefined) {
      if (!this.discarded.has(client)) this.idle.push(client);
      return;
    }
    this.inFlight++;
    // Not from inside undici's callback: the connection is handed on once that has unwound
    // (by then a failed connection has been discarded, and the job gets a new one).
    queueMicrotask(() => {
      const usable = this.discarded.has(client) ? this.open() : client;
      if (usable !== undefined) next.start(usable);
      else next.fail(new Error('the target client is closed'));
    });
  }

  private open(): Client | undefined {
    if (this.closed || this.clients.length >= this.max) return undefined;
    const client = new Client(this.origin, this.clientOptions);
    // A connection that failed (refused, TLS) is not reused: undici can leave such a client
    // believing a request still runs (a certificate name mismatch does), and it would never send
    // again. Its requests have already been failed; a fresh one costs nothing until it connects.
    client.on('connectionError', () => this.discard(client));
    this.clients.push(client);
    return client;
  }

  private discard(client: Client): void {
    this.discarded.add(client);
    const index = this.clients.indexOf(client);
    if (index >= 0) this.clients.splice(index, 1);
    const idleIndex = this.idle.indexOf(client);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    client.destroy().catch(() => {});
  }

  /** A queued job gave up (its deadline passed) before any connection was free. */
  withdraw(job: PooledJob): void {
    const index = this.waiting.indexOf(job);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    this.inFlight--;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.fail(new Error('the target client is closed'));
    this.idle.length = 0;
    await Promise.all(this.clients.splice(0).map((client) => client.close()));
  }
}

/** The request deadline decides; this only bounds a connect nobody waits for any more. */
const CONNECT_TIMEOUT_MS = 30_000;
/** How often idle pools are looked for; a pool unused for two whole rounds is closed. */
const SWEEP_MS = 30_000;

/**
 * Pinned pools keyed by site and the vetted address it is reached at. A pool's origin is the site
 * itself, so undici writes the right Host header and takes the TLS server name (and the certificate
 * check) from it with no per-request header work; its connect hook swaps the name for the pinned
 * address, so its sockets can only ever go to the address that was vetted: a DNS answer that
 * changes later (rebinding) leads to a different pool, never to this one's connections. The
 * connector's `lookup` refuses outright, so no code path can resolve a name behind our back.
 */
export class PinnedPools {
  private readonly sites = new Map<string, Map<string, PinnedPool>>();
  private readonly connect: buildConnector.connector;
  private readonly sweeper: NodeJS.Timeout;
  private round = 0;

  constructor(private readonly options: PinnedPoolOptions) {
    // One connector for every pool: its TLS session cache (keyed by server name) lets a new
    // connection to a known site resume instead of doing a full handshake. One secure context
    // (the default trust store, as tls.connect would build) instead of one built per connection:
    // building it is about a millisecond of CPU each time.
    this.connect = buildConnector({ lookup: refuseLookup, timeout: CONNECT_TIMEOUT_MS, secureContext: createSecureContext() });
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
    let pool = addresses.get(address);
    if (pool === undefined) {
      pool = new PinnedPool(origin, this.clientOptions(address), this.options.connections, this.round);
      addresses.set(address, pool);
    } else {
      pool.usedInRound = this.round;
    }
    return pool;
  }

  /** Pools held (for tests). */
  get size(): number {
    let n = 0;
    for (const addresses of this.sites.values()) n += addresses.size;
    return n;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.sites.values()].flatMap((addresses) => [...addresses.values()]);
    this.sites.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private clientOptions(address: string): Client.Options {
    const connect = this.connect;
    return {
      pipelining: 1,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      // The send's own deadline (src/outbound/deadline.ts) covers the whole exchange; undici's
      // per-phase timers would only be more timer work per request.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (options, callback) => connect({ ...options, hostname: address }, callback),
    };
  }

  /** Closes pools nobody used for a whole round (their sockets have long timed out): a rebound name's old address, a deleted webhook. */
  private sweep(): void {
    this.round++;
    for (const [origin, addresses] of this.sites) {
      for (const [address, pool] of addresses) {
        if (pool.inFlight > 0 || this.round - pool.usedInRound < 2) continue;
        addresses.delete(address);
        pool.close().catch(() => {});
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

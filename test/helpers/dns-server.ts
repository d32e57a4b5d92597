import { isIP, type Socket } from 'node:net';
import { Packet, TCPServer, UDPServer, type DnsHandler, type Resource } from 'dns2';

/**
 * An authoritative-for-everything DNS server on 127.0.0.1 (UDP and TCP, same port) for
 * tests; point Linkwire at it with `dnsServer: { host, port }` / LINKWIRE_DNS_SERVER.
 *
 *   const dns = await startDnsServer({ 'hooks.lw.test': { A: ['127.0.0.1'] } });
 *   dns.set('hooks.lw.test', { A: ['127.0.0.2'] }); // rebind between requests
 *   await dns.close();
 *
 * Names match case-insensitively, with or without a trailing dot. An unknown name is
 * NXDOMAIN; a known name without records of the asked type is an empty answer.
 * Answers carry TTL 0 so no resolver caches them. Only ever answer loopback addresses:
 * the code under test may connect to whatever this server says.
 */
export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
  TXT?: string[];
}

export interface DnsQuery {
  name: string;
  /** `A`, `AAAA`, `TXT`, … (the numeric type for ones dns2 does not name). */
  type: string;
}

export interface TestDnsServer {
  host: '127.0.0.1';
  port: number;
  /** Every question received, oldest first (a live array). */
  queries: DnsQuery[];
  /** Replaces the records of `name`. */
  set(name: string, records: DnsRecords): void;
  /** Forgets `name`: it becomes NXDOMAIN. */
  delete(name: string): void;
  close(): Promise<void>;
}

// dns2's typings omit Packet.RCODE.
const NXDOMAIN = 3;

export async function startDnsServer(records: Record<string, DnsRecords> = {}): Promise<TestDnsServer> {
  const zone = new Map<string, DnsRecords>();
  const set = (name: string, value: DnsRecords) => {
    assertLoopbackOnly(name, value);
    zone.set(normalizeName(name), value);
  };
  for (const [name, value] of Object.entries(records)) set(name, value);
  const queries: DnsQuery[] = [];

  const handle: DnsHandler = (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    response.header.ra = 1;
    for (const question of request.questions) {
      const type = typeName(question.type);
      queries.push({ name: question.name, type });
      const entry = zone.get(normalizeName(question.name));
      if (!entry) {
        response.header.rcode = NXDOMAIN;
        continue;
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 0 };
      if (type === 'A') for (const address of entry.A ?? []) response.answers.push({ ...base, type: Packet.TYPE.A, address } as Resource);
      if (type === 'AAAA') {
        for (const address of entry.AAAA ?? []) {
          response.answers.push({ ...base, type: Packet.TYPE.AAAA, address: compressIPv6(address) } as Resource);
        }
      }
      if (type === 'TXT') for (const data of entry.TXT ?? []) response.answers.push({ ...base, type: Packet.TYPE.TXT, data } as Resource);
    }
    send(response).catch(() => {}); // the asker may be gone: nothing to do
  };

  const { udp, tcp, port } = await listenOnOnePort(handle);
  // A resolver may keep its TCP connection open; close() must not wait for it.
  const connections = new Set<Socket>();
  tcp.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  return {
    host: '127.0.0.1',
    port,
    queries,
    set,
    delete: (name) => void zone.delete(normalizeName(name)),
    close: () => {
      for (const socket of connections) socket.destroy();
      return Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]).then(() => undefined);
    },
  };
}

/** UDP on an ephemeral port, then TCP on the same number (retrying if it is taken). */
async function listenOnOnePort(handle: DnsHandler): Promise<{ udp: UDPServer; tcp: TCPServer; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = new UDPServer({ type: 'udp4' });
    udp.on('request', handle);
    udp.on('requestError', () => {});
    await udp.listen(0, '127.0.0.1');
    const port = udp.address().port;
    const tcp = new TCPServer();
    tcp.on('request', handle);
    tcp.on('requestError', () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, tcp, port };
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (attempt >= 10) throw err;
    }
  }
}

/**
 * Tests must never make the code under test dial out, and it may dial whatever this
 * server answers — so only loopback answers are accepted.
 */
function assertLoopbackOnly(name: string, records: DnsRecords): void {
  for (const address of [...(records.A ?? []), ...(records.AAAA ?? [])]) {
    if (!isLoopback(address)) throw new Error(`test DNS: ${name} → ${address} is not a loopback address; tests may only answer loopback`);
  }
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127/8 — not NAT64 or 6to4 forms, which would leave the host. */
function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  if (isIP(address) !== 6) return false;
  const compressed = compressIPv6(address);
  return compressed === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(compressed);
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

function typeName(type: number): string {
  const entry = Object.entries(Packet.TYPE).find(([, value]) => value === type);
  return entry ? entry[0] : String(type);
}

/** dns2 cannot encode `::ffff:1.2.3.4`; WHATWG URL rewrites it as `::ffff:102:304`. */
function compressIPv6(address: string): string {
  if (isIP(address) !== 6) throw new Error(`not an IPv6 address: ${address}`);
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

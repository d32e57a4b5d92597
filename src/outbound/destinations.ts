/**
 * Broker destinations (SPEC §5c, docs/destinations.md): a webhook `url` that names a message broker
 * instead of an HTTPS endpoint. The operator lists the brokers workspaces may reach
 * (LINKWIRE_DESTINATIONS); nothing else with a broker scheme is accepted, since a broker URL is not
 * vetted like an HTTPS target (its address is the operator's choice, not the workspace's).
 */

/** Schemes that name a broker. Only those with an adapter (DELIVERED_SCHEMES) are accepted. */
export const BROKER_SCHEMES: ReadonlySet<string> = new Set(['nats:', 'redis:', 'amqp:', 'mqtt:']);
/** Brokers Linkwire delivers to in this version (src/outbound/brokers/). */
export const DELIVERED_SCHEMES: ReadonlySet<string> = new Set(['nats:', 'redis:', 'amqp:', 'mqtt:']);

export function isBrokerUrl(url: string): boolean {
  const colon = url.indexOf(':');
  return colon > 0 && BROKER_SCHEMES.has(url.slice(0, colon + 1).toLowerCase());
}

/** LINKWIRE_DESTINATIONS → its prefixes, normalised; throws an Error naming the bad entry. */
export function parseDestinationPrefixes(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`LINKWIRE_DESTINATIONS: "${entry}" is not a URL`);
      }
      if (!BROKER_SCHEMES.has(url.protocol)) throw new Error(`LINKWIRE_DESTINATIONS: "${entry}" must start with nats://, redis://, amqp:// or mqtt://`);
      if (url.hostname === '') throw new Error(`LINKWIRE_DESTINATIONS: "${entry}" has no host`);
      return withoutCredentials(url);
    });
}

/** A URL as `scheme://host:port/path?query`, credentials left out (prefixes are compared on this). */
function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/**
 * Whether `url` starts with one of the prefixes, on a boundary: `redis://10.0.0.5:6379` allows
 * `redis://10.0.0.5:6379/0?stream=x`, not `redis://10.0.0.5:63790/…`. Credentials in the URL are
 * the workspace's and play no part.
 */
export function destinationAllowed(url: URL, prefixes: readonly string[]): boolean {
  const bare = withoutCredentials(url);
  return prefixes.some((prefix) => {
    if (!bare.startsWith(prefix)) return false;
    if (bare.length === prefix.length || /[/?#]$/.test(prefix)) return true;
    return '/?#'.includes(bare[prefix.length]!);
  });
}

export type DestinationCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Creation-time check of a broker URL: an allowed prefix, a broker this version delivers to, and its shape. */
export function checkDestinationUrl(url: URL, prefixes: readonly string[]): DestinationCheck {
  const allowedList = prefixes.length === 0 ? 'none are allowed on this instance (LINKWIRE_DESTINATIONS is empty)' : `allowed: ${prefixes.join(', ')}`;
  if (!DELIVERED_SCHEMES.has(url.protocol)) {
    return { ok: false, reason: `uses ${url.protocol}//, which this version does not deliver to (brokers: ${[...DELIVERED_SCHEMES].map((s) => `${s}//`).join(', ')})` };
  }
  if (!destinationAllowed(url, prefixes)) {
    return { ok: false, reason: `names a broker that is not in LINKWIRE_DESTINATIONS (${allowedList})` };
  }
  const problem = SHAPE_PROBLEMS[url.protocol]!(url);
  return problem === null ? { ok: true, url } : { ok: false, reason: problem };
}

/** Each delivered scheme's shape check: the reason the URL cannot be delivered to, or null. */
const SHAPE_PROBLEMS: Record<string, (url: URL) => string | null> = {
  'redis:': (url) => redisProblem(url),
  'nats:': (url) => natsProblem(url),
  'amqp:': (url) => amqpProblem(url),
  'mqtt:': (url) => mqttProblem(url),
};

export interface RedisDestination {
  /** The connection's URL (credentials and database included): the pool key. */
  connection: string;
  /** host:port, for the log. */
  address: string;
  /** The stream key, `{link_id}`/`{type}` not yet replaced. */
  stream: string;
  maxLength: number;
}

export const DEFAULT_STREAM_MAXLEN = 100_000;
const MAX_STREAM_MAXLEN = 1_000_000_000;

/** `redis://[user:pass@]host:port/<db>?stream=<key>&maxlen=<n>`; throws an Error with the reason. */
export function parseRedisDestination(url: URL): RedisDestination {
  const problem = redisProblem(url);
  if (problem !== null) throw new Error(`url ${problem}`);
  const db = url.pathname.length > 1 ? url.pathname.slice(1) : '0';
  const credentials = url.username || url.password ? `${url.username}:${url.password}@` : '';
  const maxlen = url.searchParams.get('maxlen');
  return {
    connection: `redis://${credentials}${url.host}/${db}`,
    address: url.host,
    stream: url.searchParams.get('stream')!,
    maxLength: maxlen === null ? DEFAULT_STREAM_MAXLEN : Number(maxlen),
  };
}

function redisProblem(url: URL): string | null {
  if (url.pathname.length > 1 && !/^\/\d{1,2}$/.test(url.pathname)) return 'must name a database number as its path (redis://host:port/0?stream=…)';
  const stream = url.searchParams.get('stream');
  if (stream === null || stream.trim() === '') return 'must name a stream: redis://host:port/0?stream=<key>';
  const maxlen = url.searchParams.get('maxlen');
  if (maxlen !== null && !(/^\d+$/.test(maxlen) && Number(maxlen) >= 1 && Number(maxlen) <= MAX_STREAM_MAXLEN)) {
    return `maxlen must be a whole number from 1 to ${MAX_STREAM_MAXLEN}`;
  }
  return null;
}

export interface NatsDestination {
  /** host:port with the credentials: the pool key. */
  connection: string;
  address: string;
  user: string | null;
  pass: string | null;
  /** The subject, `{link_id}`/`{type}` not yet replaced. */
  subject: string;
}

/** `nats://[user:pass@|token@]host:port/<subject>`; throws an Error with the reason. */
export function parseNatsDestination(url: URL): NatsDestination {
  const problem = natsProblem(url);
  if (problem !== null) throw new Error(`url ${problem}`);
  const user = url.username ? decodeURIComponent(url.username) : null;
  const pass = url.password ? decodeURIComponent(url.password) : null;
  return {
    connection: `${user ?? ''}:${pass ?? ''}@${url.host}`,
    address: url.host,
    user,
    pass,
    subject: natsSubjectOf(url),
  };
}

function natsSubjectOf(url: URL): string {
  try {
    return decodeURIComponent(url.pathname.slice(1));
  } catch {
    return '';
  }
}

function natsProblem(url: URL): string | null {
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment (nats://host:port/<subject>)';
  const subject = natsSubjectOf(url);
  if (subject === '') return 'must name a subject: nats://host:port/<subject>';
  if (!subject.split('.').every((token) => /^[^\s*>]+$/.test(token))) {
    return 'subject must be dot-separated non-empty tokens without spaces or wildcards (* >)';
  }
  return null;
}

export interface AmqpDestination {
  /** Credentials, host, port and vhost: the pool key. */
  connection: string;
  address: string;
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  /** The exchange ('' is the default exchange, which routes to the queue named by the routing key). */
  exchange: string;
  /** The routing key, `{link_id}`/`{type}` not yet replaced. */
  routingKey: string;
}

/**
 * `amqp://[user:pass@]host[:port]/<vhost>?exchange=<x>&routing_key=<k>`; throws an Error with the
 * reason. An empty path is the default vhost `/` (so is `/%2F`); without credentials the client
 * logs in as guest/guest, RabbitMQ's convention (accepted from loopback only, by default).
 */
export function parseAmqpDestination(url: URL): AmqpDestination {
  const problem = amqpProblem(url);
  if (problem !== null) throw new Error(`url ${problem}`);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const vhost = amqpVhostOf(url)!;
  const port = url.port === '' ? 5672 : Number(url.port);
  return {
    connection: `${username}:${password}@${url.hostname}:${port}/${vhost}`,
    address: `${url.hostname}:${port}`,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    username,
    password,
    vhost,
    exchange: url.searchParams.get('exchange') ?? '',
    routingKey: url.searchParams.get('routing_key')!,
  };
}

function amqpVhostOf(url: URL): string | null {
  if (url.pathname === '' || url.pathname === '/') return '/';
  try {
    return decodeURIComponent(url.pathname.slice(1));
  } catch {
    return null;
  }
}

const AMQP_PARAMS = new Set(['exchange', 'routing_key']);

function amqpProblem(url: URL): string | null {
  if (url.hash !== '') return 'must not have a fragment';
  const vhost = amqpVhostOf(url);
  if (vhost === null || (vhost.includes('/') && vhost !== '/')) return 'must name one vhost as its path (amqp://host:port/<vhost>?exchange=…&routing_key=…)';
  for (const name of url.searchParams.keys()) if (!AMQP_PARAMS.has(name)) return `has an unknown parameter "${name}" (exchange and routing_key are known)`;
  const routingKey = url.searchParams.get('routing_key');
  if (routingKey === null || routingKey === '') return 'must name a routing key: amqp://host:port/<vhost>?exchange=<x>&routing_key=<k>';
  // AMQP 0-9-1 short strings: names up to 255 bytes (a templated key is checked again once expanded).
  if (Buffer.byteLength(routingKey) > 255 || Buffer.byteLength(url.searchParams.get('exchange') ?? '') > 255) return 'exchange and routing_key must be at most 255 bytes';
  return null;
}

export interface MqttDestination {
  /** Credentials, host and port: the pool key. */
  connection: string;
  address: string;
  hostname: string;
  port: number;
  username: string | null;
  password: string | null;
  /** The topic, `{link_id}`/`{type}` not yet replaced. */
  topic: string;
}

/** `mqtt://[user:pass@]host[:port]/<topic>`; throws an Error with the reason. */
export function parseMqttDestination(url: URL): MqttDestination {
  const problem = mqttProblem(url);
  if (problem !== null) throw new Error(`url ${problem}`);
  const username = url.username ? decodeURIComponent(url.username) : null;
  const password = url.password ? decodeURIComponent(url.password) : null;
  const port = url.port === '' ? 1883 : Number(url.port);
  return {
    connection: `${username ?? ''}:${password ?? ''}@${url.hostname}:${port}`,
    address: `${url.hostname}:${port}`,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    username,
    password,
    topic: pathOf(url),
  };
}

function pathOf(url: URL): string {
  try {
    return decodeURIComponent(url.pathname.slice(1));
  } catch {
    return '';
  }
}

function mqttProblem(url: URL): string | null {
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment (mqtt://host:port/<topic>)';
  const topic = pathOf(url);
  if (topic === '') return 'must name a topic: mqtt://host:port/<topic>';
  if (/[+#]/.test(topic) || topic.includes('\u0000')) return 'topic must not contain wildcards (+ #) or NUL';
  if (topic.startsWith('$')) return 'topic must not start with $ (reserved for the broker)';
  return null;
}

/** What replaces `{link_id}` for an event about no link (an empty token would be invalid in a subject). */
export const NO_LINK = '_';

/** A stream key or subject with `{link_id}` and `{type}` replaced for one event (per-link ordering, SPEC §5c). */
export function expandDestinationName(template: string, linkId: string | null | undefined, type: string): string {
  if (!template.includes('{')) return template;
  return template.replaceAll('{link_id}', linkId ?? NO_LINK).replaceAll('{type}', type);
}

/** The URL with its password (or lone username, a token) replaced by `mask`: credentials are write-only on read. */
export function maskDestinationCredentials(raw: string, mask: string): string {
  if (!isBrokerUrl(raw)) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  if (url.username === '' && url.password === '') return raw;
  const userinfo = url.password !== '' ? `${url.username}:${mask}` : mask;
  return `${url.protocol}//${userinfo}@${url.host}${url.pathname}${url.search}${url.hash}`;
}

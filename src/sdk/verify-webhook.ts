import { WebhookVerificationError } from './errors.js';
import type { WebhookEvent } from './types.js';

/*
 * Verifies a Linkwire delivery with WebCrypto only (globalThis.crypto.subtle), so it runs in
 * Node ≥ 20, Bun, Deno, browsers and edge runtimes, and imports nothing from the server.
 * HMAC comparison goes through `subtle.verify`, which compares in constant time.
 */

/** Header values as Node (`req.headers`), a plain object or a Fetch `Headers` hold them. */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way, in seconds. Default 300 (5 min). */
  toleranceSeconds?: number;
  /** The current time in milliseconds (tests, replays of stored requests). Default `Date.now()`. */
  now?: () => number;
}

const DEFAULT_TOLERANCE_S = 300;
const encoder = new TextEncoder();
type Subtle = (typeof globalThis.crypto)['subtle'];

/**
 * Checks a webhook delivery and returns its event, typed by `type`; throws a
 * `WebhookVerificationError` when it cannot be trusted.
 *
 * - `rawBody`: the body exactly as received (string or bytes), before any JSON parsing.
 * - `headers`: the request headers. With `webhook-signature` (Standard Webhooks) that signature is
 *   checked; otherwise `x-linkwire-signature: sha256=<hex>`. During a secret rotation either
 *   header may carry several space-separated signatures; one match is enough.
 * - `secret`: the webhook's `whsec_…` secret, or the raw secret you gave it (or several, e.g. old
 *   and new while you rotate).
 * - `webhook-timestamp` must be within `toleranceSeconds` (default 5 min) of now, which refuses
 *   replayed old requests.
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array | ArrayBuffer,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): Promise<WebhookEvent> {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError('verifyWebhook needs the webhook secret (whsec_…)');
  }
  // A copy when the caller's bytes may sit on a SharedArrayBuffer: WebCrypto takes ArrayBuffer-backed views only.
  const body: Bytes = typeof rawBody === 'string' ? encoder.encode(rawBody) : new Uint8Array(rawBody);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('verifyWebhook needs WebCrypto (globalThis.crypto.subtle)');

  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const standard = header(headers, 'webhook-signature');
  const linkwire = header(headers, 'x-linkwire-signature');
  if (!timestamp || (!standard && !linkwire) || (standard && !id)) {
    throw new WebhookVerificationError('missing_headers', 'Missing webhook-timestamp and webhook-id/webhook-signature or x-linkwire-signature headers');
  }
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not a number of seconds');
  const nowS = Math.floor((options.now?.() ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_S;
  if (Math.abs(nowS - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError('stale_timestamp', `webhook-timestamp is more than ${tolerance} s from now`);
  }

  // The Standard Webhooks signature covers id and timestamp too, so it wins when present.
  const valid = standard
    ? await anyMatches(subtle, standardKeys(secrets), concat(encoder.encode(`${id}.${timestamp}.`), body), candidates(standard, 'v1,', fromBase64))
    : await anyMatches(subtle, secrets.map((s) => encoder.encode(s)), body, candidates(linkwire!, 'sha256=', fromHex));
  if (!valid) throw new WebhookVerificationError('invalid_signature', 'No signature matches this body and secret');

  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new WebhookVerificationError('invalid_body', 'The signed body is not JSON');
  }
  if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') {
    throw new WebhookVerificationError('invalid_body', 'The signed body is not a Linkwire event');
  }
  return event as WebhookEvent;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== name) continue;
    const value = record[key];
    return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

/** The decoded signatures of one scheme in a space-separated header; malformed entries are skipped. */
/** Bytes on an ArrayBuffer (never a SharedArrayBuffer), as WebCrypto's typings require. */
type Bytes = Uint8Array<ArrayBuffer>;

function candidates(value: string, prefix: string, decode: (s: string) => Bytes | null): Bytes[] {
  return value
    .split(' ')
    .filter((part) => part.startsWith(prefix))
    .map((part) => decode(part.slice(prefix.length)))
    .filter((bytes): bytes is Bytes => bytes !== null && bytes.length === 32);
}

/**
 * Standard Webhooks keys: the base64 after `whsec_`; a secret you brought yourself without that
 * prefix signs as its UTF-8 bytes (docs/webhooks.md, `secret`).
 */
function standardKeys(secrets: string[]): Bytes[] {
  return secrets
    .map((s): Bytes | null => (s.startsWith('whsec_') ? fromBase64(s.slice(6)) : new TextEncoder().encode(s)))
    .filter((k): k is Bytes => k !== null && k.length > 0);
}

async function anyMatches(subtle: Subtle, keys: Bytes[], data: Bytes, signatures: Bytes[]): Promise<boolean> {
  let matched = false;
  for (const raw of keys) {
    const key = await subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    // Every pair is checked (no early exit), so timing does not tell which one matched.
    for (const signature of signatures) {
      if (await subtle.verify('HMAC', key, signature, data)) matched = true;
    }
  }
  return matched;
}

function concat(a: Bytes, b: Bytes): Bytes {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function fromBase64(text: string): Bytes | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function fromHex(text: string): Bytes | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

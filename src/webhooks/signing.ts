import { createHmac, randomBytes } from 'node:crypto';

/*
 * Standard Webhooks signing (docs/webhooks.md): receivers can verify our deliveries with the
 * unmodified `standardwebhooks` or `svix` libraries.
 */

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 32;
// Standard Webhooks allows keys up to 64 bytes; a secret brought from elsewhere may be that long.
const MAX_CALLER_SECRET_BYTES = 64;
const SIGNATURE_VERSION = 'v1';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(random: (n: number) => Buffer = randomBytes): string {
  return SECRET_PREFIX + random(SECRET_BYTES).toString('base64');
}

/** Whether `s` has the documented secret shape (docs/webhooks.md): `whsec_` + canonical base64 of 24–32 bytes. */
export function isWebhookSecret(s: string): boolean {
  const key = decodeSecretKey(s);
  return key !== null && key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES;
}

export interface SignatureInput {
  eventId: string;
  timestampSeconds: number;
  body: string;
  secret: string;
  /** Secrets still inside a rotation grace period; each adds its own signature. */
  previousSecrets?: string[];
}

export interface SignatureHeaders {
  'webhook-signature': string;
  'x-linkwire-signature': string;
}

/**
 * The two signature headers of a delivery. Each lists the current secret's signature first,
 * then one per previous secret, space-separated.
 * Throws a TypeError when a secret starts with `whsec_` but is not followed by base64.
 */
export function signatureHeaders(input: SignatureInput): SignatureHeaders {
  const { eventId, timestampSeconds, body, secret } = input;
  const previous = input.previousSecrets ?? [];
  const standard = (keys: SigningKeys) => `${SIGNATURE_VERSION},${standardSignature(keys.standard, eventId, timestampSeconds, body)}`;
  const legacy = (keys: SigningKeys) => `sha256=${createHmac('sha256', keys.legacy).update(body, 'utf8').digest('hex')}`;
  if (previous.every((s) => s === secret)) {
    // The common case (no rotation in progress): one secret, no lists to build.
    const keys = signingKeys(secret);
    return { 'webhook-signature': standard(keys), 'x-linkwire-signature': legacy(keys) };
  }
  const secrets = [...new Set([secret, ...previous])].map(signingKeys);
  return {
    'webhook-signature': secrets.map(standard).join(' '),
    // The same rule as webhook-signature: during a rotation's grace period, one signature per secret
    // (current first), so receivers that check this header keep working mid-rotation.
    'x-linkwire-signature': secrets.map(legacy).join(' '),
  };
}

interface SigningKeys {
  /** The Standard Webhooks key: the base64-decoded part after `whsec_`, or a raw secret's UTF-8 bytes. */
  standard: Buffer;
  /** x-linkwire-signature's key: the secret string itself, as UTF-8. */
  legacy: Buffer;
}

/**
 * Decoded keys by secret. Every delivery to a webhook signs with the same secret, and checking and
 * decoding it (a regular expression over the base64, two buffers) is repeated work. Bounded: past
 * the bound it starts over. Only well-formed secrets are kept; a bad one throws every time.
 */
const keysBySecret = new Map<string, SigningKeys>();
const MAX_CACHED_SECRETS = 1024;

function signingKeys(secret: string): SigningKeys {
  let keys = keysBySecret.get(secret);
  if (keys === undefined) {
    keys = { standard: requireSecretKey(secret), legacy: secretBytes(secret) };
    if (keysBySecret.size >= MAX_CACHED_SECRETS) keysBySecret.clear();
    keysBySecret.set(secret, keys);
  }
  return keys;
}

function standardSignature(key: Buffer, id: string, timestampSeconds: number, body: string | Uint8Array): string {
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.`, 'utf8').update(body).digest('base64');
}

function decodeSecretKey(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) return null;
  return Buffer.from(encoded, 'base64');
}

/**
 * The Standard Webhooks key of a secret. A caller may bring its own secret from another service
 * (docs/webhooks.md, "Bring your own secret"): without the `whsec_` prefix it is used as raw
 * UTF-8 bytes, as `new Webhook(secret, { format: "raw" })` does in the standardwebhooks library.
 */
function requireSecretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) return secretBytes(secret);
  const key = decodeSecretKey(secret);
  if (key === null) throw new TypeError('A webhook secret that starts with "whsec_" is followed by base64');
  return key;
}

/** A secret string as the key of the hex HMACs (x-linkwire-signature and the other services' headers). */
export function secretBytes(secret: string): Buffer {
  return Buffer.from(secret, 'utf8');
}

/** Why a secret a caller brings is refused (null: accepted). Raw secrets are 16–256 printable ASCII characters. */
export function callerSecretProblem(secret: string): string | null {
  if (!/^[\x20-\x7e]{16,256}$/.test(secret)) return 'secret must be 16 to 256 printable ASCII characters';
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const key = decodeSecretKey(secret);
  if (key === null || key.length < MIN_SECRET_BYTES || key.length > MAX_CALLER_SECRET_BYTES) {
    return `a secret that starts with "whsec_" must be followed by base64 of ${MIN_SECRET_BYTES} to ${MAX_CALLER_SECRET_BYTES} bytes (the Standard Webhooks form); any other secret is used as raw text`;
  }
  return null;
}

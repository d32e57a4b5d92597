import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, type WebhookHeaders } from '../sdk/verify-webhook.js';
import { generateWebhookSecret, isWebhookSecret, signatureHeaders } from './signing.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const OLD_SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
const OTHER_SECRET = 'whsec_' + Buffer.alloc(32, 11).toString('base64');
const BODY = JSON.stringify({ id: 'evt_1', type: 'link.clicked', data: { city: 'Zürich', emoji: '🔗', quote: '"<&>"' } });

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Whether the SDK's verifier (the one receivers use) accepts the delivery; `nowSeconds` pins its clock. */
async function verifies(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): Promise<boolean> {
  const pinned = opts.nowSeconds;
  const now = pinned === undefined ? undefined : () => pinned * 1000;
  return verifyWebhook(body, headers, secret, { toleranceSeconds: opts.toleranceSeconds, now }).then(() => true, () => false);
}

function deliveryHeaders(input: { body: string; secret: string; previousSecrets?: string[]; ts?: number; id?: string }) {
  const id = input.id ?? 'evt_01j0000000000000000000000';
  const timestampSeconds = input.ts ?? nowSeconds();
  const signed = signatureHeaders({ eventId: id, timestampSeconds, body: input.body, secret: input.secret, previousSecrets: input.previousSecrets });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signed['webhook-signature'],
    'x-linkwire-signature': signed['x-linkwire-signature'],
  };
}

describe('generateWebhookSecret', () => {
  it('is whsec_ + base64 of 32 bytes from the injected source', () => {
    const requested: number[] = [];
    const secret = generateWebhookSecret((n) => {
      requested.push(n);
      return Buffer.alloc(n, 0xab);
    });
    expect(requested).toEqual([32]);
    expect(secret).toBe('whsec_' + Buffer.alloc(32, 0xab).toString('base64'));
    expect(isWebhookSecret(secret)).toBe(true);
  });

  it('defaults to crypto randomness', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).not.toBe(b);
    expect(isWebhookSecret(a)).toBe(true);
  });
});

describe('isWebhookSecret', () => {
  it('accepts 24 to 32 bytes of canonical base64 after the prefix', () => {
    expect(isWebhookSecret('whsec_' + Buffer.alloc(24).toString('base64'))).toBe(true);
    expect(isWebhookSecret('whsec_' + Buffer.alloc(28).toString('base64'))).toBe(true);
    expect(isWebhookSecret(SECRET)).toBe(true);
  });

  it.each([
    ['no prefix', Buffer.alloc(32).toString('base64')],
    ['wrong prefix', 'whsk_' + Buffer.alloc(32).toString('base64')],
    ['empty key', 'whsec_'],
    ['too short', 'whsec_' + Buffer.alloc(16).toString('base64')],
    ['too long', 'whsec_' + Buffer.alloc(33).toString('base64')],
    ['not base64', 'whsec_' + '!'.repeat(44)],
    ['bad padding', 'whsec_' + Buffer.alloc(32).toString('base64').replace('=', '')],
    ['url-safe alphabet', 'whsec_' + '-_'.repeat(21) + 'A='],
    ['whitespace', 'whsec_ ' + Buffer.alloc(32).toString('base64')],
  ])('rejects %s', (_name, value) => {
    expect(isWebhookSecret(value)).toBe(false);
  });
});

describe('signatureHeaders', () => {
  it('is verified by the standardwebhooks library', () => {
    const headers = deliveryHeaders({ body: BODY, secret: SECRET });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('fails the library with a different secret or a changed body', () => {
    const headers = deliveryHeaders({ body: BODY, secret: SECRET });
    expect(() => new Webhook(OTHER_SECRET).verify(BODY, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(SECRET).verify(BODY.replace('Zürich', 'Zurich'), headers)).toThrow(/No matching signature/);
  });

  it('matches the library signature exactly', () => {
    const ts = nowSeconds();
    const ours = signatureHeaders({ eventId: 'evt_x', timestampSeconds: ts, body: BODY, secret: SECRET });
    expect(ours['webhook-signature']).toBe(new Webhook(SECRET).sign('evt_x', new Date(ts * 1000), BODY));
  });

  it('during a rotation grace period carries the current signature first, then the old ones', () => {
    const headers = deliveryHeaders({ body: BODY, secret: SECRET, previousSecrets: [OLD_SECRET] });
    const parts = headers['webhook-signature'].split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(deliveryHeaders({ body: BODY, secret: SECRET, ts: Number(headers['webhook-timestamp']) })['webhook-signature']);
    expect(new Webhook(SECRET).verify(BODY, headers)).toBeTruthy();
    expect(new Webhook(OLD_SECRET).verify(BODY, headers)).toBeTruthy();
    expect(() => new Webhook(OTHER_SECRET).verify(BODY, headers)).toThrow();
  });

  it('signs once per distinct secret', () => {
    const headers = deliveryHeaders({ body: BODY, secret: SECRET, previousSecrets: [SECRET, OLD_SECRET, OLD_SECRET] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(deliveryHeaders({ body: BODY, secret: SECRET, previousSecrets: [] })['webhook-signature'].split(' ')).toHaveLength(1);
  });

  it('x-linkwire-signature is a hex HMAC of the body keyed by the secret string, one per secret during a grace period', () => {
    const headers = deliveryHeaders({ body: BODY, secret: SECRET, previousSecrets: [OLD_SECRET] });
    const expected = createHmac('sha256', SECRET).update(BODY).digest('hex');
    const previous = createHmac('sha256', OLD_SECRET).update(BODY).digest('hex');
    expect(headers['x-linkwire-signature']).toBe(`sha256=${expected} sha256=${previous}`);
    expect(deliveryHeaders({ body: BODY, secret: SECRET })['x-linkwire-signature']).toBe(`sha256=${expected}`);
  });

  it('signs the exact UTF-8 bytes of the body', () => {
    const body = '{"a":"é","b":"😀","c":"\\u00e9"}';
    const headers = deliveryHeaders({ body, secret: SECRET });
    expect(new Webhook(SECRET).verify(Buffer.from(body, 'utf8'), headers)).toEqual({ a: 'é', b: '😀', c: 'é' });
    // The same characters escaped differently are different bytes, hence a different signature.
    expect(() => new Webhook(SECRET).verify('{"a":"\\u00e9","b":"😀","c":"\\u00e9"}', headers)).toThrow();
    expect(headers['x-linkwire-signature']).toBe(
      'sha256=' + createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex'),
    );
  });

  it('throws on a malformed whsec_ secret rather than signing with garbage', () => {
    expect(() => signatureHeaders({ eventId: 'e', timestampSeconds: 1, body: '', secret: 'whsec_not base64!' })).toThrow(TypeError);
    expect(() =>
      signatureHeaders({ eventId: 'e', timestampSeconds: 1, body: '', secret: SECRET, previousSecrets: ['whsec_'] }),
    ).toThrow(TypeError);
  });
});

describe("the SDK's verifyWebhook on these signatures", () => {
  const ts = 1_767_225_600;
  // The Standard Webhooks headers alone: with x-linkwire-signature present the SDK would fall back to it.
  const { 'x-linkwire-signature': _hex, ...signed } = deliveryHeaders({ body: BODY, secret: SECRET, previousSecrets: [OLD_SECRET], ts });

  it('accepts its own signatures for the current and the previous secret', async () => {
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts })).toBe(true);
    expect(await verifies(BODY, signed, OLD_SECRET, { nowSeconds: ts })).toBe(true);
    expect(await verifies(Buffer.from(BODY), signed, SECRET, { nowSeconds: ts })).toBe(true);
  });

  it('accepts signatures made by the standardwebhooks library', async () => {
    const now = nowSeconds();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': new Webhook(SECRET).sign('msg_1', new Date(now * 1000), BODY),
    };
    expect(await verifies(BODY, headers, SECRET)).toBe(true);
  });

  it('rejects another secret, a changed body, id or timestamp', async () => {
    expect(await verifies(BODY, signed, OTHER_SECRET, { nowSeconds: ts })).toBe(false);
    expect(await verifies(BODY + ' ', signed, SECRET, { nowSeconds: ts })).toBe(false);
    expect(await verifies(BODY, { ...signed, 'webhook-id': 'evt_other' }, SECRET, { nowSeconds: ts })).toBe(false);
    expect(await verifies(BODY, { ...signed, 'webhook-timestamp': String(ts + 1) }, SECRET, { nowSeconds: ts })).toBe(false);
  });

  it('rejects timestamps beyond the tolerance either way', async () => {
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts + 300 })).toBe(true);
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts + 301 })).toBe(false);
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts - 300 })).toBe(true);
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts - 301 })).toBe(false);
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts + 3600, toleranceSeconds: 3600 })).toBe(true);
    expect(await verifies(BODY, signed, SECRET, { nowSeconds: ts + 2, toleranceSeconds: 1 })).toBe(false);
  });

  it('uses the real clock by default', async () => {
    expect(await verifies(BODY, signed, SECRET)).toBe(false);
    expect(await verifies(BODY, deliveryHeaders({ body: BODY, secret: SECRET }), SECRET)).toBe(true);
  });

  it('reads headers case-insensitively, from arrays and from a Fetch Headers object', async () => {
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(await verifies(BODY, upper, SECRET, { nowSeconds: ts })).toBe(true);
    expect(await verifies(BODY, new Headers(signed), SECRET, { nowSeconds: ts })).toBe(true);
  });

  it('skips unknown versions and malformed entries but still finds a valid one', async () => {
    const valid = signed['webhook-signature'].split(' ')[0]!;
    const header = `v2,${valid.slice(3)} garbage v1, v1,AAAA ${valid}`;
    expect(await verifies(BODY, { ...signed, 'webhook-signature': header }, SECRET, { nowSeconds: ts })).toBe(true);
    expect(await verifies(BODY, { ...signed, 'webhook-signature': `v2,${valid.slice(3)}` }, SECRET, { nowSeconds: ts })).toBe(false);
  });

  it.each([
    ['missing id', { 'webhook-timestamp': String(ts), 'webhook-signature': signed['webhook-signature'] }],
    ['missing timestamp', { 'webhook-id': signed['webhook-id'], 'webhook-signature': signed['webhook-signature'] }],
    ['missing signature', { 'webhook-id': signed['webhook-id'], 'webhook-timestamp': String(ts) }],
    ['non-numeric timestamp', { ...signed, 'webhook-timestamp': `${ts}abc` }],
    ['negative timestamp', { ...signed, 'webhook-timestamp': `-${ts}` }],
    ['empty signature', { ...signed, 'webhook-signature': '' }],
  ])('refuses %s', async (_name, headers) => {
    expect(await verifies(BODY, headers, SECRET, { nowSeconds: ts })).toBe(false);
  });

  it('refuses a signature checked with a malformed secret', async () => {
    expect(await verifies(BODY, signed, 'not-a-secret', { nowSeconds: ts })).toBe(false);
    expect(await verifies(BODY, signed, 'whsec_', { nowSeconds: ts })).toBe(false);
  });
});

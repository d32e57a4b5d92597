import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signatureHeaders } from '../../src/webhooks/signing.js';
import { verifyWebhook, WebhookVerificationError, type EventOf } from '../../src/sdk/index.js';

const NEW_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const OLD_SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
const OTHER_SECRET = 'whsec_' + Buffer.alloc(24, 11).toString('base64');
const EVENT_ID = 'evt_01jdq4a0c3f5h7k9n1q3s5u7w9';
const BODY = JSON.stringify({
  id: EVENT_ID,
  type: 'link.clicked',
  timestamp: '2026-11-30T10:02:11.533Z',
  workspace_id: 'ws_01jdq3g2a4b6c8d0e2f4g6h8j0',
  data: { link: { slug: 'zürich-🔗' }, click: { city: 'Zürich', referrer: '"<&>"' } },
});
const nowS = () => Math.floor(Date.now() / 1000);

/** Headers exactly as the server's delivery signing builds them. */
function serverHeaders(opts: { secret?: string; previous?: string[]; ts?: number; body?: string } = {}): Record<string, string> {
  const ts = opts.ts ?? nowS();
  const signed = signatureHeaders({ eventId: EVENT_ID, timestampSeconds: ts, body: opts.body ?? BODY, secret: opts.secret ?? NEW_SECRET, previousSecrets: opts.previous ?? [] });
  return { 'webhook-id': EVENT_ID, 'webhook-timestamp': String(ts), ...signed, 'x-linkwire-event': 'link.clicked' };
}

const linkwireHex = (secret: string, body: string) => createHmac('sha256', secret).update(body, 'utf8').digest('hex');

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return (err as WebhookVerificationError).reason;
  }
}

describe('verifyWebhook', () => {
  it('accepts a delivery signed by the server and returns the typed event', async () => {
    const event = await verifyWebhook(BODY, serverHeaders(), NEW_SECRET);
    expect(event.type).toBe('link.clicked');
    if (event.type === 'link.clicked') {
      const clicked: EventOf<'link.clicked'> = event;
      expect(clicked.data.click.city).toBe('Zürich');
    }
  });

  it('takes the body as string, bytes or ArrayBuffer and headers as a plain object, Node arrays or Fetch Headers', async () => {
    const headers = serverHeaders();
    const bytes = new TextEncoder().encode(BODY);
    await expect(verifyWebhook(bytes, headers, NEW_SECRET)).resolves.toMatchObject({ id: EVENT_ID });
    await expect(verifyWebhook(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), headers, NEW_SECRET)).resolves.toMatchObject({ id: EVENT_ID });
    await expect(verifyWebhook(Buffer.from(BODY), new Headers(headers), NEW_SECRET)).resolves.toMatchObject({ id: EVENT_ID });
    const shouted = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), [v]]));
    await expect(verifyWebhook(BODY, shouted, NEW_SECRET)).resolves.toMatchObject({ id: EVENT_ID });
  });

  it('during a rotation the server signs with both secrets: the old and the new secret each verify, another does not', async () => {
    const headers = serverHeaders({ secret: NEW_SECRET, previous: [OLD_SECRET] });
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(await reason(verifyWebhook(BODY, headers, NEW_SECRET))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, headers, OLD_SECRET))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, headers, OTHER_SECRET))).toBe('invalid_signature');
    expect(await reason(verifyWebhook(BODY, headers, [OTHER_SECRET, OLD_SECRET]))).toBe('accepted');
  });

  it('falls back to x-linkwire-signature (sha256=<hex>, several space-separated) when there is no webhook-signature', async () => {
    const { 'webhook-signature': _standard, ...linkwireOnly } = serverHeaders();
    expect(await reason(verifyWebhook(BODY, linkwireOnly, NEW_SECRET))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, linkwireOnly, OLD_SECRET))).toBe('invalid_signature');
    const rotating = { ...linkwireOnly, 'x-linkwire-signature': `sha256=${linkwireHex(NEW_SECRET, BODY)} sha256=${linkwireHex(OLD_SECRET, BODY)}` };
    expect(await reason(verifyWebhook(BODY, rotating, OLD_SECRET))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, rotating, NEW_SECRET))).toBe('accepted');
    expect(await reason(verifyWebhook(`${BODY} `, rotating, NEW_SECRET))).toBe('invalid_signature');
  });

  it('verifies a caller’s own raw secret (no whsec_ prefix) as its UTF-8 bytes, as the server and standardwebhooks’ raw format sign it', async () => {
    const raw = 'your_webhook_secret';
    const headers = serverHeaders({ secret: raw });
    await expect(verifyWebhook(BODY, headers, raw)).resolves.toMatchObject({ id: EVENT_ID });
    expect(() => new Webhook(raw, { format: 'raw' }).verify(BODY, headers)).not.toThrow();
    expect(await reason(verifyWebhook(BODY, headers, 'your_webhook_secreT'))).toBe('invalid_signature');
  });

  it('accepts what the standardwebhooks library signs', async () => {
    const ts = new Date();
    const signature = new Webhook(NEW_SECRET).sign(EVENT_ID, ts, BODY);
    const headers = { 'webhook-id': EVENT_ID, 'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)), 'webhook-signature': signature };
    expect(await reason(verifyWebhook(BODY, headers, NEW_SECRET))).toBe('accepted');
    // …and standardwebhooks accepts the headers this test verifies with the SDK.
    expect(new Webhook(NEW_SECRET).verify(BODY, serverHeaders())).toMatchObject({ id: EVENT_ID });
  });

  it('refuses a tampered body, a changed webhook-id, a wrong secret and a malformed signature', async () => {
    const headers = serverHeaders();
    expect(await reason(verifyWebhook(BODY.replace('Zürich', 'Zurich'), headers, NEW_SECRET))).toBe('invalid_signature');
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-id': 'evt_other' }, NEW_SECRET))).toBe('invalid_signature');
    expect(await reason(verifyWebhook(BODY, headers, OTHER_SECRET))).toBe('invalid_signature');
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-signature': 'v1,not-base64!' }, NEW_SECRET))).toBe('invalid_signature');
    // A failing Standard Webhooks signature is not rescued by a valid x-linkwire-signature.
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-signature': serverHeaders({ secret: OTHER_SECRET })['webhook-signature']! }, NEW_SECRET))).toBe('invalid_signature');
  });

  it('refuses stale and future timestamps beyond the tolerance (5 min by default), both header styles', async () => {
    const old = serverHeaders({ ts: nowS() - 301 });
    expect(await reason(verifyWebhook(BODY, old, NEW_SECRET))).toBe('stale_timestamp');
    const { 'webhook-signature': _s, ...oldLinkwire } = old;
    expect(await reason(verifyWebhook(BODY, oldLinkwire, NEW_SECRET))).toBe('stale_timestamp');
    expect(await reason(verifyWebhook(BODY, serverHeaders({ ts: nowS() + 301 }), NEW_SECRET))).toBe('stale_timestamp');
    expect(await reason(verifyWebhook(BODY, serverHeaders({ ts: nowS() - 250 }), NEW_SECRET))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, serverHeaders({ ts: nowS() - 250 }), NEW_SECRET, { toleranceSeconds: 60 }))).toBe('stale_timestamp');
    const ts = nowS() - 3600;
    expect(await reason(verifyWebhook(BODY, serverHeaders({ ts }), NEW_SECRET, { now: () => ts * 1000 + 1000 }))).toBe('accepted');
  });

  it('refuses requests without the headers or with a non-numeric timestamp', async () => {
    const headers = serverHeaders();
    expect(await reason(verifyWebhook(BODY, {}, NEW_SECRET))).toBe('missing_headers');
    const { 'webhook-timestamp': _t, ...noTimestamp } = headers;
    expect(await reason(verifyWebhook(BODY, noTimestamp, NEW_SECRET))).toBe('missing_headers');
    const { 'webhook-id': _i, ...noId } = headers;
    expect(await reason(verifyWebhook(BODY, noId, NEW_SECRET))).toBe('missing_headers');
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-timestamp': '12e3' }, NEW_SECRET))).toBe('invalid_timestamp');
    await expect(verifyWebhook(BODY, headers, '')).rejects.toThrow(TypeError);
  });

  it('refuses a correctly signed body that is not an event', async () => {
    const body = 'not json';
    expect(await reason(verifyWebhook(body, serverHeaders({ body }), NEW_SECRET))).toBe('invalid_body');
  });
});

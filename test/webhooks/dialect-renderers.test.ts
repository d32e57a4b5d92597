import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storedEventFromEnvelope, type EventEnvelope } from '../../src/events/outbox.js';
import { rendererFor } from '../../src/webhooks/formats.js';
import type { AnyEventEnvelope } from '../../src/webhooks/event-summary.js';
import { eventToRender } from '../../src/webhooks/formats/renderer.js';
import type { WebhookFormat } from '../../src/webhooks/webhook-schema.js';
import { jsonExamples, readSeed } from '../helpers/seeds.js';
import { Value } from '@sinclair/typebox/value';
import { sampleEvent } from '../../src/events/samples.js';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import { createIdSource } from '../../src/runtime/ids.js';
import { renderBody } from '../../src/webhooks/formats.js';
import { AwsysPayloadSchema, LinklyPayloadSchema, LinkzlyPayloadSchema, NobsredirPayloadSchema, SnipPayloadSchema } from '../../src/webhooks/formats/payload-schemas.js';

/*
 * Each renderer against its service's documented example, field for field: the example is read from
 * the service's page at run time (../shared/seeds), a Linkwire event carrying the same values is
 * rendered, and the two must be equal. Where Linkwire cannot hold the page's value, the test says why.
 */

const hex = (secret: string, message: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(message, 'utf8').digest('hex');

function render(format: WebhookFormat, envelope: Record<string, unknown>, secrets = ['whsec_' + Buffer.alloc(32, 7).toString('base64')], timestampSeconds = 1_700_000_000) {
  // The envelope as parsed is the one given, so fields the stored row does not carry yet (`actor`) reach the renderer.
  const renderer = rendererFor(format, '2026-12-01');
  const body = renderer.body(eventToRender(storedEventFromEnvelope(envelope as unknown as EventEnvelope), () => envelope as unknown as AnyEventEnvelope));
  const headers = renderer.signatureHeaders?.({ body, timestampSeconds, secrets }) ?? {};
  return { body, headers, json: JSON.parse(body) as Record<string, any> };
}

const LINK_DEFAULTS = {
  workspace_id: 'ws_1',
  tags: [],
  expires_at: null,
  expired_url: null,
  max_clicks: null,
  geo_block: [],
  rules: [],
  utm_source: null,
  utm_medium: null,
  utm_campaign: null,
  utm_term: null,
  utm_content: null,
  forward_params: false,
  block_bots: false,
  og_title: null,
  og_description: null,
  monitor: false,
  clicks: 1,
  created_at: '2025-01-01T00:00:00.000Z',
  updated_at: '2025-01-01T00:00:00.000Z',
};

describe('the awsys renderer (AWSYS.CO)', () => {
  const seed = readSeed('awsys');
  const envelope = {
    id: 'evt_1',
    type: 'link.clicked',
    timestamp: '2026-12-01T10:00:00.000Z',
    workspace_id: 'ws_1',
    data: { link: { ...LINK_DEFAULTS, id: 'lnk_1', domain: 'aws.ys', slug: 'a', short_url: 'https://aws.ys/a', url: 'https://example.com/', title: null }, click: { id: 'clk_1' } },
  };

  it('sends the Linkwire envelope with AWSYS’s event name, signed in the header the page names with hex HMAC-SHA256 of the raw body', () => {
    const secret = 'awsys-signing-secret-0123456789';
    const { body, headers, json } = render('awsys', envelope, [secret]);
    // The envelope carries `actor` (SPEC §4); this one names nobody, so it is the system's.
    expect(json).toEqual({ ...envelope, type: 'link.click', actor: { type: 'system', id: null } });
    const headerName = /header\s+(X-[A-Za-z-]+Signature)/.exec(seed)![1]!;
    expect(headerName).toBe('X-AWSYS-Signature');
    expect(headers[headerName.toLowerCase()]).toBe(hex(secret, body));
    // Every event the page lists is one AWSYS receivers see by that name.
    const listed = /link\.click,[a-z_.,]+/.exec(seed)![0].split(',');
    const ours: Record<string, string> = { 'link.click': 'link.clicked' };
    for (const name of listed) expect(render('awsys', { ...envelope, type: ours[name] ?? name }).json.type).toBe(name);
  });

  it('signs with each secret during a rotation’s grace period, current first, space-separated', () => {
    const { body, headers } = render('awsys', envelope, ['new-secret-0123456789', 'old-secret-0123456789']);
    expect(headers['x-awsys-signature']).toBe(`${hex('new-secret-0123456789', body)} ${hex('old-secret-0123456789', body)}`);
  });
});

describe('the nobsredir renderer (noBSredir)', () => {
  const [example] = jsonExamples(readSeed('nobsredir')) as [Record<string, any>];

  it('renders the page’s link.created example field for field', () => {
    const d = example.data;
    const envelope = {
      id: example.id,
      type: example.type,
      timestamp: example.timestamp,
      workspace_id: example.workspace_id,
      data: { link: { ...LINK_DEFAULTS, id: d.id, domain: d.domain, slug: d.slug, url: d.target, short_url: d.short_url, title: 'Demo' } },
    };
    expect(render('nobsredir', envelope).json).toEqual(example);
  });

  it('flattens domain and member events, and signs t=<seconds>,v1=<hex HMAC of "<t>.<body>"> with one v1 per secret', () => {
    const domain = { id: 'dom_1', hostname: 'go.yourco.com', verified: true };
    const verified = render('nobsredir', { id: 'evt_2', type: 'domain.verified', timestamp: '2026-12-01T10:00:00.000Z', workspace_id: 'ws_1', data: { domain } }, ['s1-0123456789abcdef', 's2-0123456789abcdef'], 1_700_000_123);
    expect(verified.json.data).toEqual(domain);
    expect(verified.headers['x-webhook-signature']).toBe(`t=1700000123,v1=${hex('s1-0123456789abcdef', `1700000123.${verified.body}`)},v1=${hex('s2-0123456789abcdef', `1700000123.${verified.body}`)}`);
    const member = { user_id: 'usr_1', email: 'a@example.com', role: 'editor', added_at: '2026-12-01T10:00:00.000Z' };
    const changed = render('nobsredir', { id: 'evt_3', type: 'member.role_changed', timestamp: '2026-12-01T10:00:00.000Z', workspace_id: 'ws_1', data: { member, previous_role: 'viewer' } });
    expect(changed.json.data).toEqual({ ...member, previous_role: 'viewer' });
  });
});

describe('the linkzly renderer (Linkzly)', () => {
  const [example] = jsonExamples(readSeed('linkzly')) as [Record<string, any>];

  it('renders the page’s link.clicked example field for field, user = the link’s creator', () => {
    const { link, click, user } = example.data;
    const envelope = {
      id: 'evt_1',
      type: example.event,
      // Linkwire writes every timestamp with milliseconds (SPEC conventions); the instant is the same.
      timestamp: new Date(example.timestamp).toISOString(),
      workspace_id: 'ws_1',
      actor: { type: 'user', id: user.id, email: user.email },
      data: {
        link: { ...LINK_DEFAULTS, id: link.id, domain: 'lnk.ly', slug: 'abc123', short_url: link.short_url, url: link.original_url, title: link.title, created_by: user.id },
        click: { ...click, timestamp: example.timestamp, is_eu_country: false, os: 'Windows', referrer_domain: 'twitter.com', bot: false, bot_name: null, destination: link.original_url, params: {}, qr: false },
      },
    };
    expect(render('linkzly', envelope).json).toEqual({ ...example, timestamp: new Date(example.timestamp).toISOString() });
  });

  it('uses Linkzly’s names for its renamed events, falls back to the actor, and to null without one', () => {
    const member = { user_id: 'usr_2', email: 'b@example.com', role: 'editor', added_at: '2026-12-01T10:00:00.000Z' };
    const added = render('linkzly', { id: 'evt_2', type: 'member.added', timestamp: '2026-12-01T10:00:00.000Z', workspace_id: 'ws_1', actor: { type: 'user', id: 'usr_1', email: 'owner@example.com' }, data: { member } });
    expect(added.json).toEqual({ event: 'team.member_added', timestamp: '2026-12-01T10:00:00.000Z', data: { user: { id: 'usr_1', email: 'owner@example.com' }, member } });
    const key = render('linkzly', { id: 'evt_3', type: 'api_key.created', timestamp: '2026-12-01T10:00:00.000Z', workspace_id: 'ws_1', data: { api_key: { id: 'key_1' } } });
    expect(key.json).toEqual({ event: 'api.key_created', timestamp: '2026-12-01T10:00:00.000Z', data: { user: null, api_key: { id: 'key_1' } } });
    expect(key.headers).toEqual({}); // Linkzly's signature is the Standard Webhooks one every delivery carries
  });
});

describe('the snip renderer (snip.sa)', () => {
  const [example] = jsonExamples(readSeed('snip')) as [Record<string, any>];

  it('renders the page’s url.clicked example field for field, referrer being the referring domain', () => {
    const { urlId, shortCode, originalUrl, click } = example.data;
    const envelope = {
      id: 'evt_1',
      type: 'link.clicked',
      timestamp: example.timestamp,
      workspace_id: 'ws_1',
      data: {
        link: { ...LINK_DEFAULTS, id: urlId, domain: 'snip.sa', slug: shortCode, short_url: `https://snip.sa/${shortCode}`, url: originalUrl, title: null },
        click: { id: 'clk_1', timestamp: example.timestamp, country: click.country, city: click.city, is_eu_country: false, device: click.device, os: click.os, browser: click.browser, referrer: `https://${click.referrer}/search?q=x`, referrer_domain: click.referrer, bot: false, bot_name: null, destination: originalUrl, params: {}, qr: false, user_agent: 'UA', ip: null },
      },
    };
    const secret = 'your_webhook_secret';
    const { body, headers, json } = render('snip', envelope, [secret]);
    expect(json).toEqual(example);
    // Compact, so the re-serialised parsed body is the signed text.
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
    expect(headers['x-snip-signature']).toBe(hex(secret, body));
    const created = render('snip', { ...envelope, type: 'link.created', data: { link: envelope.data.link } }).json;
    expect(created).toEqual({ event: 'url.created', timestamp: example.timestamp, data: { urlId, shortCode, originalUrl } });
  });
});

describe('the linkly renderer (Linkly)', () => {
  const [example] = jsonExamples(readSeed('linkly')) as [Record<string, any>];

  it('renders the page’s click example field for field', () => {
    const { link, click } = example;
    const envelope = {
      id: 'evt_1',
      type: 'link.clicked',
      timestamp: '2026-12-01T10:00:00.000Z',
      workspace_id: 'ws_1',
      data: {
        link: {
          ...LINK_DEFAULTS,
          id: link.id,
          workspace_id: link.workspace_id,
          title: link.name,
          url: link.url,
          short_url: link.full_url,
          domain: link.domain,
          slug: link.slug.slice(1),
          enabled: link.enabled,
          cloaking: link.cloaking,
          public_analytics: link.public_analytics,
          forward_params: link.forward_params,
          block_bots: link.block_bots,
          utm_source: link.utm_source,
          utm_medium: link.utm_medium,
          utm_campaign: link.utm_campaign,
          og_title: link.og_title,
          og_description: link.og_description,
          rules: link.rules,
        },
        click: { id: 'clk_1', timestamp: example.timestamp, country: click.country, city: null, is_eu_country: click.is_eu_country, device: 'desktop', os: 'Windows', browser: click.browser_name, referrer: click.referer, referrer_domain: 'twitter.com', bot: false, bot_name: click.bot_name, destination: click.destination, params: click.params, qr: false, user_agent: 'UA', ip: '203.0.113.9' },
      },
    };
    const { json, headers } = render('linkly', envelope);
    // Linkwire has no ISP database: `isp` is null (docs/migrating/linkly.md).
    expect(json).toEqual({ ...example, click: { ...example.click, isp: null } });
    expect(JSON.stringify(json)).not.toContain('203.0.113.9'); // "IP addresses are never included"
    expect(headers).toEqual({});
  });

  it('falls back to Linkly’s defaults for link fields an event does not carry, and maps phones to their platform', () => {
    const envelope = {
      id: 'evt_1',
      type: 'link.clicked',
      timestamp: '2026-12-01T10:00:00.000Z',
      workspace_id: 'ws_1',
      data: { link: { ...LINK_DEFAULTS, id: 'lnk_1', domain: 'l.y', slug: 's', short_url: 'https://l.y/s', url: 'https://example.com/', title: null }, click: { destination: 'https://example.com/', device: 'mobile', os: 'iOS' } },
    };
    const { json } = render('linkly', envelope);
    expect(json.link).toMatchObject({ enabled: true, cloaking: false, public_analytics: false, slug: '/s' });
    expect(json.click.platform).toBe('ios');
  });
});

describe('the documented payload components (OpenAPI)', () => {
  const schemas = { awsys: AwsysPayloadSchema, nobsredir: NobsredirPayloadSchema, linkzly: LinkzlyPayloadSchema, snip: SnipPayloadSchema } as const;
  const ids = createIdSource();

  it.each(Object.keys(schemas) as (keyof typeof schemas)[])('%s: every event type’s sample renders to a body its component describes', (format) => {
    for (const { type } of EVENT_TYPES) {
      const body = JSON.parse(renderBody(format, storedEventFromEnvelope(sampleEvent(type, 'ws_1', ids, Date.now())), '2026-12-01'));
      expect([...Value.Errors(schemas[format], body)].map((e) => `${e.path} ${e.message}`), `${format} ${type}`).toEqual([]);
    }
  });

  it('linkly: a click renders to a body LinklyPayload describes', () => {
    const body = JSON.parse(renderBody('linkly', storedEventFromEnvelope(sampleEvent('link.clicked', 'ws_1', ids, Date.now())), '2026-12-01'));
    expect([...Value.Errors(LinklyPayloadSchema, body)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { escapeSlackText, renderDeliveryBody, summarizeEvent, summaryLine, type AnyEventEnvelope as EventEnvelope } from './formats.js';

const link = {
  id: 'lnk_1',
  domain: 'lw.to',
  slug: 'abc',
  short_url: 'https://lw.to/abc',
  url: 'https://example.com',
  title: 'Pricing',
  tags: ['launch', 'x'],
  clicks: 1234,
  max_clicks: 5000,
};
const click = {
  id: 'clk_1',
  country: 'US',
  city: 'Boston',
  device: 'desktop',
  browser: 'Chrome',
  os: 'macOS',
  referrer_domain: 'news.ycombinator.com',
  bot: false,
  bot_name: null,
  destination: 'https://example.com',
  qr: false,
};

function envelope(type: string, data: Record<string, unknown>): EventEnvelope {
  return { id: 'evt_01', type, timestamp: '2026-01-15T10:30:00.000Z', workspace_id: 'ws_1', data };
}

const line = (type: string, data: Record<string, unknown>) => summaryLine(summarizeEvent(envelope(type, data)));

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> }>;
}
interface DiscordBody {
  content: string;
  embeds: Array<{ title: string; description: string; url?: string; color: number; timestamp?: string; footer?: { text: string }; fields: Array<{ name: string; value: string; inline: boolean }> }>;
  allowed_mentions: { parse: string[] };
}
const slack = (e: EventEnvelope) => JSON.parse(renderDeliveryBody('slack', e)) as SlackBody;
const discord = (e: EventEnvelope) => JSON.parse(renderDeliveryBody('discord', e)) as DiscordBody;

describe('standard', () => {
  it('is the envelope as JSON, unchanged', () => {
    const e = envelope('link.clicked', { link, click });
    expect(renderDeliveryBody('standard', e)).toBe(JSON.stringify(e));
  });
});

describe('summaries per family', () => {
  it('link.clicked', () => {
    expect(line('link.clicked', { link, click })).toBe('🔗 Link clicked — https://lw.to/abc → https://example.com from US, Chrome on macOS');
  });

  it('link.clicked by a bot, with partial client data', () => {
    expect(line('link.clicked', { link, click: { ...click, bot: true, bot_name: 'Googlebot', os: null } })).toBe(
      '🔗 Link clicked — https://lw.to/abc → https://example.com from US, Chrome (bot: Googlebot)',
    );
    expect(line('link.clicked', { link: { domain: 'go.acme.com', slug: 'x' }, click: { country: null, browser: null, os: 'iOS' } })).toBe(
      '🔗 Link clicked — go.acme.com/x, iOS',
    );
  });

  it('qr.scanned', () => {
    expect(line('qr.scanned', { link, click: { ...click, browser: 'Safari', os: 'iOS', country: 'FR' } })).toBe(
      '📱 QR code scanned — https://lw.to/abc → https://example.com from FR, Safari on iOS',
    );
  });

  it.each([
    ['link.created', {}, '➕ Link created — https://lw.to/abc → https://example.com'],
    ['link.updated', { previous: { url: 'https://old.example', title: 'Old' } }, '✏️ Link updated — https://lw.to/abc → https://example.com (changed: url, title)'],
    ['link.updated', {}, '✏️ Link updated — https://lw.to/abc → https://example.com'],
    ['link.deleted', {}, '🗑️ Link deleted — https://lw.to/abc → https://example.com'],
    ['link.expired', {}, '⌛ Link expired — https://lw.to/abc → https://example.com'],
    ['link.limit_reached', {}, '🚫 Click limit reached — https://lw.to/abc after 5,000 clicks'],
    ['link.geo_blocked', { click: { ...click, country: 'CN' } }, '🌍 Visit geo-blocked — https://lw.to/abc from CN'],
    ['link.broken', { check: { status_code: 503, error: null, checked_at: '2026-01-15T10:00:00Z' } }, '⚠️ Link broken — https://lw.to/abc → https://example.com (HTTP 503)'],
    ['link.broken', { check: { status_code: null, error: 'ECONNREFUSED' } }, '⚠️ Link broken — https://lw.to/abc → https://example.com (ECONNREFUSED)'],
    ['link.recovered', { check: { status_code: 200 } }, '✅ Link recovered — https://lw.to/abc → https://example.com'],
  ])('%s', (type, extra, expected) => {
    expect(line(type, { link, ...extra })).toBe(expected);
  });

  it('analytics.milestone', () => {
    expect(line('analytics.milestone', { link, milestone: 10000 })).toBe('🎉 Click milestone reached — https://lw.to/abc reached 10,000 clicks');
  });

  it.each([
    ['domain.added', '🌐 Domain added: go.acme.com'],
    ['domain.verified', '✅ Domain verified: go.acme.com'],
    ['domain.removed', '🗑️ Domain removed: go.acme.com'],
  ])('%s', (type, expected) => {
    expect(line(type, { domain: { id: 'dom_1', hostname: 'go.acme.com', verified: true } })).toBe(expected);
  });

  it('member.*', () => {
    const member = { user_id: 'usr_1', email: 'ana@acme.com', role: 'admin', added_at: '2026-01-01T00:00:00Z' };
    expect(line('member.added', { member })).toBe('👤 Member added — ana@acme.com as admin');
    expect(line('member.removed', { member })).toBe('👤 Member removed — ana@acme.com');
    expect(line('member.role_changed', { member, previous_role: 'member' })).toBe('👤 Member role changed — ana@acme.com: member → admin');
  });

  it('api_key.created never shows anything but its name, scopes and id', () => {
    const summary = summarizeEvent(envelope('api_key.created', { api_key: { id: 'key_1', name: 'CI', scopes: ['links:write', 'webhooks:read'], key: 'lw_live_secret' } }));
    expect(summaryLine(summary)).toBe('🔑 API key created — “CI” (links:write, webhooks:read)');
    expect(JSON.stringify(summary)).not.toContain('lw_live_secret');
  });

  it('integration.connected', () => {
    expect(line('integration.connected', { integration: { id: 'int_1', type: 'slack', name: 'Team chat' } })).toBe(
      '🧩 Integration connected — Team chat (slack)',
    );
  });

  it('account.*', () => {
    const workspace = { id: 'ws_1', name: 'Acme', plan: 'team' };
    expect(line('account.upgraded', { workspace, previous_plan: 'pro' })).toBe('⬆️ Plan upgraded — Acme: pro → team');
    expect(line('account.downgraded', { workspace: { ...workspace, plan: 'free' }, previous_plan: 'pro' })).toBe('⬇️ Plan downgraded — Acme: pro → free');
  });

  it('security.login_failed', () => {
    expect(line('security.login_failed', { email: 'ana@acme.com', ip: '203.0.113.9', user_agent: 'curl/8' })).toBe(
      '🔒 Failed login — ana@acme.com from 203.0.113.9',
    );
  });

  it('webhook.disabled', () => {
    expect(line('webhook.disabled', { webhook: { id: 'wh_1', name: 'Orders', url: 'https://hooks.acme.com/x' } })).toBe(
      '⛔ Webhook disabled — Orders (https://hooks.acme.com/x) after repeated delivery failures',
    );
  });

  it.each([
    ['an unknown type', 'billing.invoice_paid', { invoice: { id: 'inv_1', total: 42, paid: true }, currency: 'EUR' }, '📣 billing.invoice_paid — invoice.id: inv_1, invoice.total: 42, invoice.paid: yes'],
    ['an unknown subtype of a known family', 'link.archived', { link: { id: 'lnk_1' } }, '📣 link.archived — link.id: lnk_1'],
    ['a type without a dot', 'ping', { ok: true }, '📣 ping — ok: yes'],
    ['a type named like an Object.prototype member', 'toString', {}, '📣 toString'],
    ['a family named like an Object.prototype member', 'constructor.x', {}, '📣 constructor.x'],
    ['credentials in data', 'thing.made', { secret: 's', password: 'p', token: 't', key: 'k', key_hash: 'h', name: 'ok' }, '📣 thing.made — name: ok'],
  ])('falls back generically for %s', (_name, type, data, expected) => {
    expect(line(type, data)).toBe(expected);
  });

  it('limits the generic fields', () => {
    const data = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i]));
    expect(summarizeEvent(envelope('x.y', data)).fields).toHaveLength(6);
  });
});

describe('missing or malformed data never throws', () => {
  const types = [
    'link.clicked', 'qr.scanned', 'link.created', 'link.updated', 'link.deleted', 'link.expired', 'link.limit_reached',
    'link.geo_blocked', 'link.broken', 'link.recovered', 'analytics.milestone', 'domain.added', 'domain.verified',
    'domain.removed', 'member.added', 'member.removed', 'member.role_changed', 'api_key.created', 'integration.connected',
    'account.upgraded', 'account.downgraded', 'security.login_failed', 'webhook.disabled', 'unknown.type', '',
  ];
  const malformed: unknown[] = [
    {},
    { link: null, click: 'nope', domain: 42, member: [], api_key: true, workspace: null, webhook: [1], check: 'x', previous: null },
    { link: { short_url: 7, tags: 'x', clicks: 'many' }, click: { country: {}, bot: 'yes' }, milestone: Number.NaN },
  ];

  it.each(types)('%s', (type) => {
    for (const data of malformed) {
      const e = envelope(type, data as Record<string, unknown>);
      for (const format of ['standard', 'slack', 'discord'] as const) {
        expect(() => JSON.parse(renderDeliveryBody(format, e))).not.toThrow();
      }
    }
    const broken = { id: undefined, type, timestamp: 'not a date', workspace_id: 'ws', data: null } as unknown as EventEnvelope;
    expect(() => renderDeliveryBody('slack', broken)).not.toThrow();
    expect(discord(broken).embeds[0]!.timestamp).toBeUndefined();
  });

  it('uses readable placeholders', () => {
    expect(line('link.clicked', {})).toBe('🔗 Link clicked — a link');
    expect(line('domain.verified', {})).toBe('✅ Domain verified: a domain');
    expect(line('member.added', {})).toBe('👤 Member added — a member');
    expect(line('api_key.created', {})).toBe('🔑 API key created');
  });
});

describe('slack', () => {
  const e = envelope('link.clicked', { link, click });

  it('has a fallback text, a header, a summary section, fields and a context line', () => {
    const body = slack(e);
    expect(body.text).toBe('🔗 Link clicked — https://lw.to/abc → https://example.com from US, Chrome on macOS');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body.blocks[0]!.text).toEqual({ type: 'plain_text', text: '🔗 Link clicked', emoji: true });
    expect(body.blocks[1]!.text).toEqual({ type: 'mrkdwn', text: 'https://lw.to/abc → https://example.com from US, Chrome on macOS' });
    expect(body.blocks[2]!.fields).toContainEqual({ type: 'mrkdwn', text: '*Location*\nBoston, US' });
    expect(body.blocks[2]!.fields).toContainEqual({ type: 'mrkdwn', text: '*Referrer*\nnews.ycombinator.com' });
    expect(body.blocks[3]!.elements![0]!.text).toBe('link.clicked · evt_01 · 2026-01-15T10:30:00.000Z');
  });

  it('says "Domain verified: go.acme.com"', () => {
    expect(slack(envelope('domain.verified', { domain: { hostname: 'go.acme.com' } })).text).toBe('✅ Domain verified: go.acme.com');
  });

  it('escapes &, < and > in user-supplied text everywhere it is mrkdwn', () => {
    const hostile = { ...link, short_url: 'https://lw.to/a?x=1&y=2', url: 'https://e.com/<!channel>', title: '<@U123> & co' };
    const body = slack(envelope('link.created', { link: hostile }));
    const mrkdwn = [body.text, body.blocks[1]!.text!.text, ...body.blocks[2]!.fields!.map((f) => f.text)].join('\n');
    expect(mrkdwn).not.toMatch(/[<>]/);
    expect(mrkdwn).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(body.text).toContain('https://lw.to/a?x=1&amp;y=2');
    expect(body.text).toContain('&lt;!channel&gt;');
    expect(body.blocks[2]!.fields).toContainEqual({ type: 'mrkdwn', text: '*Title*\n&lt;@U123&gt; &amp; co' });
  });

  it('omits the fields section when there are none', () => {
    expect(slack(envelope('ping', {})).blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });

  it('keeps within Slack limits without splitting an entity', () => {
    const body = slack(envelope('security.login_failed', { email: '&'.repeat(5000) + '@x.com', ip: '1.2.3.4', user_agent: '<'.repeat(5000) }));
    expect(body.text.length).toBeLessThanOrEqual(3000);
    for (const field of body.blocks[2]!.fields!) expect(field.text.length).toBeLessThanOrEqual(2000);
    expect(body.text).toMatch(/^(?:[^&]|&amp;)*$/);
  });
});

describe('escapeSlackText', () => {
  it('escapes the three control characters, & first', () => {
    expect(escapeSlackText('a & b < c > d &amp;')).toBe('a &amp; b &lt; c &gt; d &amp;amp;');
  });
});

describe('discord', () => {
  it('has content and one embed with title, description, fields, timestamp and link', () => {
    const body = discord(envelope('link.clicked', { link, click }));
    expect(body.content).toBe('🔗 Link clicked — https://lw.to/abc → https://example.com from US, Chrome on macOS');
    expect(body.embeds).toHaveLength(1);
    const [embed] = body.embeds;
    expect(embed!.title).toBe('🔗 Link clicked');
    expect(embed!.description).toBe('https://lw.to/abc → https://example.com from US, Chrome on macOS');
    expect(embed!.url).toBe('https://lw.to/abc');
    expect(embed!.timestamp).toBe('2026-01-15T10:30:00.000Z');
    expect(embed!.footer).toEqual({ text: 'link.clicked · evt_01' });
    expect(embed!.fields).toContainEqual({ name: 'Browser', value: 'Chrome', inline: true });
    expect(typeof embed!.color).toBe('number');
  });

  it('normalises the timestamp to ISO', () => {
    const e = { ...envelope('ping', {}), timestamp: '2026-01-15T11:30:00+01:00' };
    expect(discord(e).embeds[0]!.timestamp).toBe('2026-01-15T10:30:00.000Z');
  });

  it('never pings anyone, whatever the text says', () => {
    const body = discord(envelope('security.login_failed', { email: '@everyone', ip: '1.2.3.4' }));
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('only links the embed to http(s) short URLs', () => {
    expect(discord(envelope('link.created', { link: { ...link, short_url: 'javascript:alert(1)' } })).embeds[0]!.url).toBeUndefined();
  });

  it('keeps within Discord limits and never sends an empty field value', () => {
    const long = 'é'.repeat(3000) + '😀'.repeat(3000);
    const body = discord(envelope('link.created', { link: { ...link, title: long, url: long, short_url: long } }));
    expect(body.content.length).toBeLessThanOrEqual(2000);
    const embed = body.embeds[0]!;
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    for (const field of embed.fields) {
      expect(field.value.length).toBeGreaterThan(0);
      expect(field.value.length).toBeLessThanOrEqual(1024);
      expect(field.value).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });
});

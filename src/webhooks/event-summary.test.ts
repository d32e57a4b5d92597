import { describe, expect, it } from 'vitest';
import { envelope, link, click } from '../../test/helpers/event-envelopes.js';
import { summarizeEvent, summaryLine } from './event-summary.js';

const line = (type: string, data: Record<string, unknown>) => summaryLine(summarizeEvent(envelope(type, data)));

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

  it('analytics.threshold', () => {
    expect(line('analytics.threshold', { link, threshold: { clicks: 1000, window_s: 3600 }, count: 1000 })).toBe('🚨 Traffic alert — https://lw.to/abc: 1,000 clicks within 1 hour');
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
  it('uses readable placeholders', () => {
    expect(line('link.clicked', {})).toBe('🔗 Link clicked — a link');
    expect(line('domain.verified', {})).toBe('✅ Domain verified: a domain');
    expect(line('member.added', {})).toBe('👤 Member added — a member');
    expect(line('api_key.created', {})).toBe('🔑 API key created');
  });
});

import { toIso } from '../runtime/clock.js';
import type { IdSource } from '../runtime/ids.js';
import type { Link } from '../links/link-schema.js';
import type { EventType } from './event-types.js';
import type { EventEnvelope } from './outbox.js';

/**
 * A realistic sample of any event type, for "Send test event": the same shapes real events have
 * (they validate against the catalog's schemas), with obviously fake values.
 */
export function sampleEvent(type: EventType, workspaceId: string, ids: IdSource, nowMs: number): EventEnvelope {
  const now = toIso(nowMs);
  const user = { id: ids.next('usr'), email: 'jane@example.com' };
  const link: Link = {
    id: ids.next('lnk'),
    workspace_id: workspaceId,
    domain: 'lw.example',
    slug: 'sample',
    short_url: 'https://lw.example/sample',
    url: 'https://example.com/landing',
    title: 'Sample link',
    tags: ['sample'],
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
    enabled: true,
    cloaking: false,
    public_analytics: false,
    track_conversions: false,
    alerts: [],
    created_by: user.id,
    clicks: 42,
    bot_clicks: 3,
    created_at: now,
    updated_at: now,
  };
  const click = {
    id: ids.next('clk'),
    timestamp: now,
    country: 'US',
    city: 'San Francisco',
    is_eu_country: false,
    device: 'desktop',
    os: 'Mac OS',
    browser: 'Chrome',
    referrer: 'https://news.example/',
    referrer_domain: 'news.example',
    bot: false,
    bot_name: null,
    destination: link.url,
    params: {},
    qr: type === 'qr.scanned',
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    ip: null,
  };
  const domain = {
    id: ids.next('dom'),
    hostname: 'go.example.com',
    verified: type === 'domain.verified',
    verification: { type: 'TXT' as const, name: '_linkwire.go.example.com', value: 'linkwire-verify=sample' },
    verified_at: type === 'domain.verified' ? now : null,
    verification_error: null,
    created_at: now,
  };
  const member = { user_id: ids.next('usr'), email: 'teammate@example.com', role: 'viewer' as const, added_at: now, status: 'active' as const };
  const workspace = { id: workspaceId, name: 'Sample workspace', plan: 'team', settings: { include_click_ip: false, excluded_ips: [], endpoint_alerts: true, timezone: 'UTC', require_2fa: false }, created_at: now, updated_at: now };
  const check = { status_code: type === 'link.broken' ? 503 : 200, error: type === 'link.broken' ? 'endpoint answered 503' : null, checked_at: now };
  const { destination: _destination, ...orphanClick } = click;
  const lead = { id: ids.next('lead'), customer_id: 'cus_1234', event_name: 'Sign up', metadata: { plan: 'trial' }, link_id: link.id, click_id: click.id, created_at: now };
  const sale = {
    id: ids.next('sale'),
    customer_id: lead.customer_id,
    amount: 4900,
    currency: 'EUR',
    invoice_id: 'INV-2026-0042',
    event_name: 'Purchase',
    metadata: null,
    link_id: link.id,
    click_id: click.id,
    lead_id: lead.id,
    created_at: now,
  };
  const data: Record<EventType, Record<string, unknown>> = {
    'link.clicked': { link, click },
    'qr.scanned': { link, click },
    'link.created': { link },
    'link.updated': { link, previous: { url: 'https://example.com/old' } },
    'link.deleted': { link },
    'link.expired': { link },
    'link.limit_reached': { link },
    'link.geo_blocked': { link, click },
    'link.broken': { link, check },
    'link.recovered': { link, check },
    'analytics.milestone': { link, milestone: 1000 },
    'domain.added': { domain },
    'domain.verified': { domain },
    'domain.removed': { domain },
    'member.added': { member },
    'member.removed': { member },
    'member.role_changed': { member: { ...member, role: 'admin' }, previous_role: 'viewer' },
    'api_key.created': { api_key: { id: ids.next('key'), name: 'CI key', prefix: 'lw_live_abcd', scopes: [], created_at: now, last_used_at: null } },
    'integration.connected': { integration: { id: ids.next('int'), type: 'slack', name: 'Team Slack', created_at: now } },
    'account.upgraded': { workspace, previous_plan: 'pro' },
    'account.downgraded': { workspace: { ...workspace, plan: 'pro' }, previous_plan: 'team' },
    'security.login_failed': { email: 'someone@example.com', ip: '203.0.113.7', user_agent: click.user_agent },
    'security.password_reset': { user_id: member.user_id, email: member.email, ip: '203.0.113.7', user_agent: click.user_agent, sessions_ended: 2 },
    'security.2fa_enabled': { user_id: member.user_id, email: member.email, ip: '203.0.113.7', user_agent: click.user_agent },
    'security.2fa_disabled': { user_id: member.user_id, email: member.email, ip: '203.0.113.7', user_agent: click.user_agent },
    'link.not_found': { domain: 'go.example.com', slug: 'summer-sale', click: orphanClick },
    'lead.created': { link, click, customer: { id: lead.customer_id }, lead },
    'sale.created': { link, click, customer: { id: sale.customer_id }, sale },
    'analytics.threshold': { link, threshold: { clicks: 1000, window_s: 3600 }, count: 1000 },
    'webhook.disabled': {
      webhook: {
        id: ids.next('wh'),
        name: 'Sample endpoint',
        url: 'https://hooks.example.com/linkwire',
        events: ['*'],
        link_ids: [],
        filter: null,
        active: false,
        timeout_ms: 10_000,
        retry: { mode: 'exponential' },
        format: 'standard',
        headers: {},
        disabled_reason: '50 failed attempts in a row',
        created_at: now,
        updated_at: now,
      },
    },
  };
  return { id: ids.next('evt'), type, timestamp: now, workspace_id: workspaceId, actor: { type: 'user', ...user }, data: data[type] };
}

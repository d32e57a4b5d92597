/**
 * Examples shown in the document and on /docs. test/openapi/openapi.test.ts validates each one
 * against its component, so an example cannot drift from the schema.
 */
const link = {
  id: 'lnk_01jdq3h8x6m2c4v7b9n0p1r2s3',
  workspace_id: 'ws_01jdq3g2a4b6c8d0e2f4g6h8j0',
  domain: 'localhost:8080',
  slug: 'launch',
  short_url: 'http://localhost:8080/launch',
  url: 'https://example.com/blog/launch',
  title: 'Launch post',
  tags: ['blog'],
  expires_at: null,
  expired_url: null,
  max_clicks: null,
  geo_block: [],
  rules: [{ what: 'country', matches: ['DE', 'AT'], url: 'https://example.com/de/blog/launch' }],
  utm_source: 'newsletter',
  utm_medium: null,
  utm_campaign: null,
  utm_term: null,
  utm_content: null,
  forward_params: false,
  block_bots: false,
  og_title: null,
  og_description: null,
  monitor: false,
  clicks: 42,
  bot_clicks: 3,
  created_at: '2026-11-30T09:15:02.120Z',
  updated_at: '2026-11-30T09:15:02.120Z',
};

const click = {
  id: 'clk_01jdq4a0c2e4g6j8m0p2r4t6v8',
  timestamp: '2026-11-30T10:02:11.532Z',
  country: 'DE',
  city: 'Berlin',
  is_eu_country: true,
  device: 'mobile',
  os: 'iOS',
  browser: 'Mobile Safari',
  referrer: 'https://news.example.org/',
  referrer_domain: 'news.example.org',
  bot: false,
  bot_name: null,
  destination: 'https://example.com/de/blog/launch?utm_source=newsletter',
  params: {},
  qr: false,
  user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)',
  ip: null,
};

const webhook = {
  id: 'wh_01jdq3k5a7c9e1g3j5m7p9r1t3',
  name: 'Orders service',
  url: 'https://hooks.example.com/linkwire',
  events: ['link.clicked', 'link.created'],
  link_ids: [],
  filter: 'data.click.bot = false',
  active: true,
  timeout_ms: 10000,
  retry: { mode: 'exponential' },
  format: 'standard',
  headers: {},
  disabled_at: null,
  disabled_reason: null,
  created_at: '2026-11-30T09:20:00.000Z',
  updated_at: '2026-11-30T09:20:00.000Z',
};

export const EXAMPLES: Record<string, unknown> = {
  Link: link,
  Click: click,
  Webhook: webhook,
  WebhookWithSecret: { ...webhook, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  LinkClickedEvent: {
    id: 'evt_01jdq4a0c3f5h7k9n1q3s5u7w9',
    type: 'link.clicked',
    timestamp: '2026-11-30T10:02:11.533Z',
    workspace_id: 'ws_01jdq3g2a4b6c8d0e2f4g6h8j0',
    data: { link, click },
  },
  Error: {
    error: {
      code: 'VALIDATION_ERROR',
      message: 'Invalid request: url must NOT have fewer than 1 characters',
      details: { fields: [{ field: 'url', message: 'must NOT have fewer than 1 characters' }] },
    },
  },
};

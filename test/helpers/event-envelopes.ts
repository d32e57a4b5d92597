import type { AnyEventEnvelope } from '../../src/webhooks/event-summary.js';

// Sample event data for the summary and chat-message unit tests (src/webhooks/*.test.ts).

export const link = {
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
export const click = {
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

export function envelope(type: string, data: Record<string, unknown>): AnyEventEnvelope {
  return { id: 'evt_01', type, timestamp: '2026-01-15T10:30:00.000Z', workspace_id: 'ws_1', actor: { type: 'system', id: null }, data };
}

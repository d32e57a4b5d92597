/** A link.clicked envelope with a field of every kind the webhook filter language reads (the filter unit tests share it). */
export const clickEnvelope = {
  id: 'evt_1',
  type: 'link.clicked',
  timestamp: '2026-01-15T10:30:00.000Z',
  workspace_id: 'ws_1',
  data: {
    link: { id: 'lnk_1', slug: 'abc', url: 'https://example.com/pricing', title: 'Pricing', tags: ['x', 'launch', '2024'], clicks: 1500 },
    click: {
      country: 'US',
      city: null,
      is_eu_country: false,
      device: 'desktop',
      browser: 'Chrome',
      bot: false,
      bot_name: null,
      qr: true,
      referrer_domain: 'news.ycombinator.com',
      params: { utm_id: '42', ref: 'a-b.c' },
    },
  },
};

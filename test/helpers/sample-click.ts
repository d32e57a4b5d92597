import type { Click } from '../../src/clicks/click-schema.js';
import type { Link } from '../../src/links/link-schema.js';

/**
 * An enriched click on `link`, number `i`, as the redirect would record it: for writing a click
 * journal directly (ingest tests and the ingest bench). Every third click has a referrer;
 * `overrides` sets whatever a caller varies.
 */
export function sampleClick(link: Link, i: number, overrides: Partial<Click> = {}): Click {
  return {
    id: `clk_sample${String(i).padStart(16, '0')}`,
    timestamp: new Date().toISOString(),
    country: 'DE',
    city: 'Berlin',
    is_eu_country: true,
    device: 'desktop',
    os: 'Linux',
    browser: 'Firefox',
    referrer: i % 3 === 0 ? 'https://news.example.org/item?id=42' : null,
    referrer_domain: i % 3 === 0 ? 'news.example.org' : null,
    bot: false,
    bot_name: null,
    destination: link.url,
    params: { n: String(i) },
    qr: false,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    ip: null,
    ...overrides,
  };
}

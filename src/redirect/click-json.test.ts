import { describe, expect, it } from 'vitest';
import type { Click } from '../clicks/click-schema.js';
import { createUserAgentParser } from '../clicks/user-agent.js';
import { ClickJsonWriter } from './click-json.js';

const parse = createUserAgentParser();
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

function clickOf(userAgent: string | null, over: Partial<Click> = {}): Click {
  const ua = parse(userAgent ?? undefined);
  const params = Object.create(null) as Record<string, string>;
  return {
    id: 'clk_01JABCDEFGHJKMNPQRSTVWXYZ0',
    timestamp: '2026-12-07T06:00:00.123Z',
    country: null,
    city: null,
    is_eu_country: false,
    device: ua.device,
    os: ua.os,
    browser: ua.browser,
    referrer: null,
    referrer_domain: null,
    bot: ua.bot,
    bot_name: ua.bot_name,
    destination: 'https://example.com/a',
    params,
    qr: false,
    user_agent: userAgent,
    ip: null,
    ...over,
  };
}

describe('ClickJsonWriter', () => {
  // The journal record and every link.clicked payload are this text: it must be JSON.stringify's, to the byte.
  it('writes exactly what JSON.stringify writes, whatever the click holds', () => {
    const writer = new ClickJsonWriter();
    const params = Object.create(null) as Record<string, string>;
    params.b = 'x"y';
    params['2'] = 'two'; // integer-like keys come first in JSON.stringify's order
    params.__proto__ = 'p';
    params['é\u0000'] = '\u2028line\\';
    const cases: Click[] = [
      clickOf(CHROME),
      clickOf(null),
      clickOf('Googlebot/2.1 (+http://www.google.com/bot.html)'),
      clickOf('weird "agent" \\ \u0007 \ud800 ünïcödé'),
      clickOf(CHROME, { params, qr: true, ip: '203.0.113.9', country: 'DE', city: 'Köln "Süd"', is_eu_country: true }),
      clickOf(CHROME, { referrer: 'https://news.example/a?b="c"', referrer_domain: 'news.example', destination: `https://example.com/${'x'.repeat(2000)}` }),
      clickOf('x'.repeat(600), { timestamp: '2026-12-07T06:00:00.124Z' }),
    ];
    // Twice: the second pass answers from the writer's caches.
    for (const click of [...cases, ...cases]) expect(writer.write(click, parse(click.user_agent ?? undefined))).toBe(JSON.stringify(click));
  });
});

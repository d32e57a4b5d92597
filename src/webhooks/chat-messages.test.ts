import { describe, expect, it } from 'vitest';
import { envelope, link, click } from '../../test/helpers/event-envelopes.js';
import { discordMessage, escapeSlackText, slackMessage } from './chat-messages.js';
import type { AnyEventEnvelope as EventEnvelope } from './event-summary.js';

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> }>;
}
interface DiscordBody {
  content: string;
  embeds: Array<{ title: string; description: string; url?: string; color: number; timestamp?: string; footer?: { text: string }; fields: Array<{ name: string; value: string; inline: boolean }> }>;
  allowed_mentions: { parse: string[] };
}
// As sent: formats.ts#renderDeliveryBody serialises these objects with JSON.stringify.
const slack = (e: EventEnvelope) => JSON.parse(JSON.stringify(slackMessage(e))) as SlackBody;
const discord = (e: EventEnvelope) => JSON.parse(JSON.stringify(discordMessage(e))) as DiscordBody;

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

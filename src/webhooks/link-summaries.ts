/*
 * Summaries of the events about one link and its visits: link.*, qr.scanned and analytics.*
 * ("🔗 Link clicked — https://lw.to/abc → https://example.com from US, Chrome on macOS").
 */

import { asRecord, count, httpUrl, joinDefined, list, text, type Data } from './tolerant-readers.js';
import { arrow, compactFields, summarizeGeneric, type EventSummary, type SummaryField, type SummaryTone } from './summary-model.js';

const LINK_TITLES: Record<string, [emoji: string, title: string, tone: SummaryTone]> = {
  'link.clicked': ['🔗', 'Link clicked', 'info'],
  'link.created': ['➕', 'Link created', 'success'],
  'link.updated': ['✏️', 'Link updated', 'info'],
  'link.deleted': ['🗑️', 'Link deleted', 'warning'],
  'link.expired': ['⌛', 'Link expired', 'warning'],
  'link.limit_reached': ['🚫', 'Click limit reached', 'warning'],
  'link.geo_blocked': ['🌍', 'Visit geo-blocked', 'warning'],
  'link.broken': ['⚠️', 'Link broken', 'danger'],
  'link.recovered': ['✅', 'Link recovered', 'success'],
};

export function summarizeLinkEvent(type: string, data: Data): EventSummary {
  const known = LINK_TITLES[type];
  if (!known) return summarizeGeneric(type, data);
  const [emoji, title, tone] = known;
  const link = asRecord(data['link']);
  const click = asRecord(data['click']);
  const short = shortLink(link);
  const target = text(link['url']);
  const base = { emoji, title, tone, url: httpUrl(link['short_url']) };

  switch (type) {
    case 'link.clicked':
      return { ...base, details: clickDetails(short, link, click), fields: clickFields(link, click) };
    case 'link.updated': {
      const changed = Object.keys(asRecord(data['previous'])).slice(0, 8).join(', ');
      return {
        ...base,
        details: joinDefined([arrow(short, target), changed && `(changed: ${changed})`], ' '),
        fields: linkFields(link),
      };
    }
    case 'link.limit_reached': {
      const max = count(link['max_clicks']);
      return { ...base, details: joinDefined([short, max && `after ${max} clicks`], ' '), fields: linkFields(link) };
    }
    case 'link.geo_blocked': {
      const country = text(click['country']);
      return { ...base, details: joinDefined([short, country && `from ${country}`], ' '), fields: clickFields(link, click) };
    }
    case 'link.broken':
    case 'link.recovered': {
      const check = asRecord(data['check']);
      const status = text(check['status_code']);
      const problem = type === 'link.broken' ? (status ? `HTTP ${status}` : text(check['error'])) : undefined;
      return {
        ...base,
        details: joinDefined([arrow(short, target), problem && `(${problem})`], ' '),
        fields: compactFields([
          ['Link', short],
          ['Destination', target],
          ['Status', status],
          ['Error', text(check['error'])],
          ['Checked at', text(check['checked_at'])],
        ]),
      };
    }
    default:
      return { ...base, details: arrow(short, target), fields: linkFields(link) };
  }
}

export function summarizeQrEvent(type: string, data: Data): EventSummary {
  if (type !== 'qr.scanned') return summarizeGeneric(type, data);
  const link = asRecord(data['link']);
  const click = asRecord(data['click']);
  return {
    emoji: '📱',
    title: 'QR code scanned',
    tone: 'info',
    details: clickDetails(shortLink(link), link, click),
    fields: clickFields(link, click),
    url: httpUrl(link['short_url']),
  };
}

export function summarizeAnalyticsEvent(type: string, data: Data): EventSummary {
  if (type === 'analytics.threshold') return summarizeThreshold(data);
  if (type !== 'analytics.milestone') return summarizeGeneric(type, data);
  const link = asRecord(data['link']);
  const milestone = count(data['milestone']);
  return {
    emoji: '🎉',
    title: 'Click milestone reached',
    tone: 'success',
    details: joinDefined([shortLink(link), milestone && `reached ${milestone} clicks`], ' '),
    fields: compactFields([
      ['Link', shortLink(link)],
      ['Milestone', milestone],
      ['Destination', text(link['url'])],
    ]),
    url: httpUrl(link['short_url']),
  };
}

/** A traffic alert: "🚨 Traffic alert — https://lw.to/abc: 1,000 clicks within 1 hour". */
function summarizeThreshold(data: Data): EventSummary {
  const link = asRecord(data['link']);
  const threshold = asRecord(data['threshold']);
  const clicks = count(threshold['clicks']);
  const window = windowText(threshold['window_s']);
  return {
    emoji: '🚨',
    title: 'Traffic alert',
    tone: 'warning',
    details: joinDefined([shortLink(link) && `${shortLink(link)}:`, clicks && `${clicks} clicks`, window && `within ${window}`], ' '),
    fields: compactFields([
      ['Link', shortLink(link)],
      ['Clicks in the window', count(data['count'])],
      ['Alert', joinDefined([clicks, window && `in ${window}`], ' ')],
      ['Destination', text(link['url'])],
    ]),
    url: httpUrl(link['short_url']),
  };
}

function windowText(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  if (value % 86_400 === 0) return value === 86_400 ? '1 day' : `${value / 86_400} days`;
  if (value % 3_600 === 0) return value === 3_600 ? '1 hour' : `${value / 3_600} hours`;
  if (value % 60 === 0) return value === 60 ? '1 minute' : `${value / 60} minutes`;
  return `${value} seconds`;
}

function clickDetails(short: string, link: Data, click: Data): string {
  const destination = text(click['destination']) ?? text(link['url']);
  const country = text(click['country']);
  const browser = text(click['browser']);
  const os = text(click['os']);
  const client = browser && os ? `${browser} on ${os}` : (browser ?? os);
  const bot = click['bot'] === true ? `(bot${text(click['bot_name']) ? `: ${text(click['bot_name'])}` : ''})` : undefined;
  const where = joinDefined([arrow(short, destination), country && `from ${country}`], ' ');
  return joinDefined([joinDefined([where, client], ', '), bot], ' ');
}

function clickFields(link: Data, click: Data): SummaryField[] {
  return compactFields([
    ['Link', shortLink(link)],
    ['Destination', text(click['destination']) ?? text(link['url'])],
    ['Location', joinDefined([text(click['city']), text(click['country'])], ', ') || undefined],
    ['Device', text(click['device'])],
    ['Browser', text(click['browser'])],
    ['OS', text(click['os'])],
    ['Referrer', text(click['referrer_domain']) ?? text(click['referrer'])],
    ['Bot', click['bot'] === true ? (text(click['bot_name']) ?? 'yes') : undefined],
  ]);
}

function linkFields(link: Data): SummaryField[] {
  return compactFields([
    ['Link', shortLink(link)],
    ['Destination', text(link['url'])],
    ['Title', text(link['title'])],
    ['Tags', list(link['tags'])],
    ['Clicks', count(link['clicks'])],
  ]);
}

function shortLink(link: Data): string {
  const domain = text(link['domain']);
  const slug = text(link['slug']);
  return text(link['short_url']) ?? (domain && slug ? `${domain}/${slug}` : undefined) ?? text(link['id']) ?? 'a link';
}

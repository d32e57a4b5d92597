/*
 * Event summaries: one readable line plus a few labelled fields per event, independent of the
 * chat service that shows them (chat-messages.ts lays them out for Slack and Discord). Event data
 * comes from many producers and may lack any field, so every reader here tolerates absence
 * (tolerant-readers.ts) and nothing throws.
 */

import type { EventEnvelope } from '../events/outbox.js';
import { asRecord, count, httpUrl, isRecord, joinDefined, list, text, truncate, yesNo, type Data } from './tolerant-readers.js';

/** An envelope as the formats read it: any type string, so a body renders whatever arrives. */
export type AnyEventEnvelope = Omit<EventEnvelope, 'type'> & { type: string };

export type SummaryTone = 'info' | 'success' | 'warning' | 'danger';

export interface SummaryField {
  name: string;
  value: string;
}

export interface EventSummary {
  emoji: string;
  /** Fixed wording such as "Link clicked", or the event type: never user-supplied text. */
  title: string;
  /** Between title and details in the one-line form; " — " unless set. */
  separator?: string;
  /** The specifics, e.g. "https://lw.to/abc → https://example.com from US, Chrome on macOS". */
  details: string;
  fields: SummaryField[];
  tone: SummaryTone;
  /** A page worth linking the message to, when the event has one. */
  url?: string;
}

/** The one-line form: "🔗 Link clicked — https://lw.to/abc → https://example.com from US". */
export function summaryLine(summary: EventSummary): string {
  const heading = `${summary.emoji} ${summary.title}`;
  return summary.details ? `${heading}${summary.separator ?? ' — '}${summary.details}` : heading;
}

export function summarizeEvent(envelope: AnyEventEnvelope): EventSummary {
  const type = typeof envelope.type === 'string' ? envelope.type : String(envelope.type);
  const data = asRecord(envelope.data);
  const dot = type.indexOf('.');
  const family = dot < 0 ? type : type.slice(0, dot);
  const summarize = Object.hasOwn(FAMILIES, family) ? FAMILIES[family as keyof typeof FAMILIES] : summarizeGeneric;
  return summarize(type, data);
}

type Summarizer = (type: string, data: Data) => EventSummary;

const FAMILIES = {
  link: summarizeLinkEvent,
  qr: summarizeQrEvent,
  analytics: summarizeAnalyticsEvent,
  domain: summarizeDomainEvent,
  member: summarizeMemberEvent,
  api_key: summarizeApiKeyEvent,
  integration: summarizeIntegrationEvent,
  account: summarizeAccountEvent,
  security: summarizeSecurityEvent,
  webhook: summarizeWebhookEvent,
} satisfies Record<string, Summarizer>;

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

function summarizeLinkEvent(type: string, data: Data): EventSummary {
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

function summarizeQrEvent(type: string, data: Data): EventSummary {
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

function summarizeAnalyticsEvent(type: string, data: Data): EventSummary {
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

const DOMAIN_TITLES: Record<string, [emoji: string, title: string, tone: SummaryTone]> = {
  'domain.added': ['🌐', 'Domain added', 'info'],
  'domain.verified': ['✅', 'Domain verified', 'success'],
  'domain.removed': ['🗑️', 'Domain removed', 'warning'],
};

function summarizeDomainEvent(type: string, data: Data): EventSummary {
  const known = DOMAIN_TITLES[type];
  if (!known) return summarizeGeneric(type, data);
  const [emoji, title, tone] = known;
  const domain = asRecord(data['domain']);
  const hostname = text(domain['hostname']) ?? text(domain['id']) ?? 'a domain';
  return {
    emoji,
    title,
    separator: ': ',
    tone,
    details: hostname,
    fields: compactFields([
      ['Domain', hostname],
      ['Verified', yesNo(domain['verified'])],
    ]),
  };
}

function summarizeMemberEvent(type: string, data: Data): EventSummary {
  const member = asRecord(data['member']);
  const who = text(member['email']) ?? text(member['user_id']) ?? 'a member';
  const role = text(member['role']);
  const previous = text(data['previous_role']);
  const fields = compactFields([
    ['Email', text(member['email'])],
    ['Role', role],
    ['Previous role', previous],
  ]);
  switch (type) {
    case 'member.added':
      return { emoji: '👤', title: 'Member added', tone: 'info', details: joinDefined([who, role && `as ${role}`], ' '), fields };
    case 'member.removed':
      return { emoji: '👤', title: 'Member removed', tone: 'warning', details: who, fields };
    case 'member.role_changed':
      return {
        emoji: '👤',
        title: 'Member role changed',
        tone: 'info',
        details: joinDefined([who, role && `${previous ?? '?'} → ${role}`], ': '),
        fields,
      };
    default:
      return summarizeGeneric(type, data);
  }
}

function summarizeApiKeyEvent(type: string, data: Data): EventSummary {
  if (type !== 'api_key.created') return summarizeGeneric(type, data);
  const key = asRecord(data['api_key']);
  const name = text(key['name']);
  const scopes = list(key['scopes']);
  return {
    emoji: '🔑',
    title: 'API key created',
    tone: 'info',
    details: joinDefined([name && `“${name}”`, scopes && `(${scopes})`], ' '),
    fields: compactFields([
      ['Name', name],
      ['Scopes', scopes],
      ['ID', text(key['id'])],
    ]),
  };
}

function summarizeIntegrationEvent(type: string, data: Data): EventSummary {
  if (type !== 'integration.connected') return summarizeGeneric(type, data);
  const integration = asRecord(data['integration']);
  const name = text(integration['name']);
  const kind = text(integration['type']);
  return {
    emoji: '🧩',
    title: 'Integration connected',
    tone: 'success',
    details: joinDefined([name, kind && `(${kind})`], ' '),
    fields: compactFields([
      ['Name', name],
      ['Type', kind],
    ]),
  };
}

function summarizeAccountEvent(type: string, data: Data): EventSummary {
  const upgraded = type === 'account.upgraded';
  if (!upgraded && type !== 'account.downgraded') return summarizeGeneric(type, data);
  const workspace = asRecord(data['workspace']);
  const name = text(workspace['name']);
  const plan = text(workspace['plan']);
  const previous = text(data['previous_plan']);
  return {
    emoji: upgraded ? '⬆️' : '⬇️',
    title: upgraded ? 'Plan upgraded' : 'Plan downgraded',
    tone: upgraded ? 'success' : 'warning',
    details: joinDefined([name, plan && `${previous ?? '?'} → ${plan}`], ': '),
    fields: compactFields([
      ['Workspace', name],
      ['Plan', plan],
      ['Previous plan', previous],
    ]),
  };
}

function summarizeSecurityEvent(type: string, data: Data): EventSummary {
  if (type !== 'security.login_failed') return summarizeGeneric(type, data);
  const email = text(data['email']);
  const ip = text(data['ip']);
  return {
    emoji: '🔒',
    title: 'Failed login',
    tone: 'danger',
    details: joinDefined([email, ip && `from ${ip}`], ' '),
    fields: compactFields([
      ['Email', email],
      ['IP', ip],
      ['User agent', text(data['user_agent'])],
    ]),
  };
}

function summarizeWebhookEvent(type: string, data: Data): EventSummary {
  if (type !== 'webhook.disabled') return summarizeGeneric(type, data);
  const webhook = asRecord(data['webhook']);
  const name = text(webhook['name']);
  const url = text(webhook['url']);
  return {
    emoji: '⛔',
    title: 'Webhook disabled',
    tone: 'danger',
    details: joinDefined([name ?? text(webhook['id']), url && `(${url})`, 'after repeated delivery failures'], ' '),
    fields: compactFields([
      ['Webhook', name],
      ['URL', url],
      ['ID', text(webhook['id'])],
    ]),
  };
}

const GENERIC_FIELD_LIMIT = 6;
// Belt and braces: events should never carry credentials, but a generic listing must not echo one.
const SENSITIVE_KEY = /secret|password|token|^key$|hash/i;

/** Any other type: its name and the first few scalar fields of `data`, one level deep. */
function summarizeGeneric(type: string, data: Data): EventSummary {
  const fields: SummaryField[] = [];
  const visit = (record: Data, prefix: string, depth: number) => {
    for (const [key, value] of Object.entries(record)) {
      if (fields.length >= GENERIC_FIELD_LIMIT) return;
      if (SENSITIVE_KEY.test(key)) continue;
      const scalar = text(value) ?? yesNo(value);
      if (scalar !== undefined) fields.push({ name: prefix + key, value: scalar });
      else if (depth === 0 && isRecord(value)) visit(value, `${prefix}${key}.`, 1);
    }
  };
  visit(data, '', 0);
  return {
    emoji: '📣',
    title: truncate(type, 100) || 'Event',
    tone: 'info',
    details: fields.slice(0, 3).map((f) => `${f.name}: ${f.value}`).join(', '),
    fields,
  };
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

function arrow(from: string, to: string | undefined): string {
  return to ? `${from} → ${to}` : from;
}

function compactFields(entries: Array<[name: string, value: string | undefined]>): SummaryField[] {
  return entries.filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => ({ name, value }));
}

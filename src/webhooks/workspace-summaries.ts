/*
 * Summaries of the events about a workspace and its settings: domain.*, member.*, api_key.*,
 * integration.*, account.*, security.* and webhook.* ("👤 Member added — ann@example.com as admin").
 */

import { asRecord, joinDefined, list, text, yesNo, type Data } from './tolerant-readers.js';
import { compactFields, summarizeGeneric, type EventSummary, type SummaryTone } from './summary-model.js';

const DOMAIN_TITLES: Record<string, [emoji: string, title: string, tone: SummaryTone]> = {
  'domain.added': ['🌐', 'Domain added', 'info'],
  'domain.verified': ['✅', 'Domain verified', 'success'],
  'domain.removed': ['🗑️', 'Domain removed', 'warning'],
};

export function summarizeDomainEvent(type: string, data: Data): EventSummary {
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

export function summarizeMemberEvent(type: string, data: Data): EventSummary {
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

export function summarizeApiKeyEvent(type: string, data: Data): EventSummary {
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

export function summarizeIntegrationEvent(type: string, data: Data): EventSummary {
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

export function summarizeAccountEvent(type: string, data: Data): EventSummary {
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

export function summarizeSecurityEvent(type: string, data: Data): EventSummary {
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

export function summarizeWebhookEvent(type: string, data: Data): EventSummary {
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

/*
 * Slack and Discord incoming-webhook bodies (docs/webhooks.md, `format`): an event summary
 * (event-summary.ts) laid out as Slack blocks or a Discord embed, within each service's limits.
 */

import { summarizeEvent, summaryLine, type AnyEventEnvelope } from './event-summary.js';
import type { SummaryTone } from './summary-model.js';
import { isoTimestamp, joinDefined, text, truncate } from './tolerant-readers.js';

const SLACK_LIMITS = { header: 150, section: 3000, field: 2000, fields: 10, context: 2000, text: 3000 };

export function slackMessage(envelope: AnyEventEnvelope): object {
  const summary = summarizeEvent(envelope);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${summary.emoji} ${summary.title}`, SLACK_LIMITS.header), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: slackText(summary.details || summary.title, SLACK_LIMITS.section) } },
  ];
  if (summary.fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: summary.fields.slice(0, SLACK_LIMITS.fields).map((field) => ({
        type: 'mrkdwn',
        text: slackText(`*${field.name}*\n`, 200) + slackText(field.value, SLACK_LIMITS.field - 210),
      })),
    });
  }
  const context = joinDefined([text(envelope.type), text(envelope.id), text(envelope.timestamp)], ' · ');
  if (context) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: slackText(context, SLACK_LIMITS.context) }] });
  return { text: slackText(summaryLine(summary), SLACK_LIMITS.text), blocks };
}

const DISCORD_LIMITS = { content: 2000, title: 256, description: 4096, fieldName: 256, fieldValue: 1024, fields: 25, footer: 2048 };
const DISCORD_COLORS: Record<SummaryTone, number> = { info: 0x3b82f6, success: 0x22c55e, warning: 0xf59e0b, danger: 0xef4444 };

export function discordMessage(envelope: AnyEventEnvelope): object {
  const summary = summarizeEvent(envelope);
  const embed: Record<string, unknown> = {
    title: truncate(`${summary.emoji} ${summary.title}`, DISCORD_LIMITS.title),
    description: truncate(summary.details || summary.title, DISCORD_LIMITS.description),
    color: DISCORD_COLORS[summary.tone],
    fields: summary.fields.slice(0, DISCORD_LIMITS.fields).map((field) => ({
      name: truncate(field.name, DISCORD_LIMITS.fieldName),
      value: truncate(field.value, DISCORD_LIMITS.fieldValue),
      inline: true,
    })),
  };
  if (summary.url) embed['url'] = summary.url;
  const timestamp = isoTimestamp(envelope.timestamp);
  if (timestamp) embed['timestamp'] = timestamp;
  const footer = joinDefined([text(envelope.type), text(envelope.id)], ' · ');
  if (footer) embed['footer'] = { text: truncate(footer, DISCORD_LIMITS.footer) };
  return {
    content: truncate(summaryLine(summary), DISCORD_LIMITS.content),
    embeds: [embed],
    // User-supplied text (link titles, emails) must never ping @everyone, roles or users.
    allowed_mentions: { parse: [] },
  };
}

/** Slack mrkdwn treats &, < and > as control characters (links, mentions such as <!channel>). */
export function escapeSlackText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Escapes then fits `max`, cutting between characters so neither an entity such as &amp;
// nor a surrogate pair is ever split.
function slackText(value: string, max: number): string {
  const escaped = escapeSlackText(value);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const char of value) {
    const piece = escapeSlackText(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

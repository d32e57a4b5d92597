/*
 * What an event summary is (event-summary.ts makes one per event, chat-messages.ts lays it out),
 * and what every family of summaries shares: the fallback for a type it does not know, and the
 * small helpers that build fields.
 */

import { isRecord, text, truncate, yesNo, type Data } from './tolerant-readers.js';

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

/** Summarizes the events of one family (`link.*`, `member.*`, …). */
export type Summarizer = (type: string, data: Data) => EventSummary;

const GENERIC_FIELD_LIMIT = 6;
// Belt and braces: events should never carry credentials, but a generic listing must not echo one.
const SENSITIVE_KEY = /secret|password|token|^key$|hash/i;

/** Any other type: its name and the first few scalar fields of `data`, one level deep. */
export function summarizeGeneric(type: string, data: Data): EventSummary {
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

export function arrow(from: string, to: string | undefined): string {
  return to ? `${from} → ${to}` : from;
}

/** The fields with a value, in order. */
export function compactFields(entries: Array<[name: string, value: string | undefined]>): SummaryField[] {
  return entries.filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => ({ name, value }));
}

import { styleText } from 'node:util';
import Table from 'cli-table3';

/*
 * How the CLI prints: `--json` prints the API's JSON as is (one document, or one line per item
 * when streaming); otherwise a table on a terminal, and tab-separated lines when piped.
 * Colour only on a terminal; styleText honours NO_COLOR and FORCE_COLOR.
 */

export interface OutputOptions {
  json: boolean;
}

type Style = Parameters<typeof styleText>[0];

export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return styleText(style, text, { stream });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/**
 * C0 and C1 controls, DEL, and the bidirectional overrides and isolates: printed raw, a title or
 * tag holding them could move the cursor, recolour or retitle the terminal, or reorder what the
 * reader sees (a "Trojan Source" title).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text from the server made safe for a terminal: every control character shown as an escape (`\x1b`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** A value as table or plain text: never a raw control character (the JSON output keeps data as is). */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'object') return escapeControls(JSON.stringify(value));
  return escapeControls(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A list: JSON, a table, or tab-separated lines. */
export function printList<T>(rows: T[], columns: Column<T>[], options: OutputOptions, raw: unknown = rows): void {
  if (options.json) return printJson(raw);
  if (process.stdout.isTTY) {
    const table = new Table({ head: columns.map((c) => paint('bold', c.header)), style: { head: [], border: [] } });
    for (const row of rows) table.push(columns.map((c) => truncate(cell(c.value(row)), 60)));
    process.stdout.write(`${table.toString()}\n`);
    if (rows.length === 0) process.stdout.write(`${paint('dim', '(none)')}\n`);
    return;
  }
  process.stdout.write(`${columns.map((c) => c.header).join('\t')}\n`);
  for (const row of rows) process.stdout.write(`${columns.map((c) => cell(c.value(row))).join('\t')}\n`);
}

/** One object: JSON, or "field  value" lines. */
export function printObject(value: Record<string, unknown>, options: OutputOptions): void {
  if (options.json) return printJson(value);
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) {
    process.stdout.write(`${paint('bold', k.padEnd(width))}  ${cell(v)}\n`);
  }
}

/**
 * A titled block of text (a request or response body): JSON pretty-printed, each line escaped,
 * so a body's newlines stay lines while its control characters never reach the terminal raw.
 */
export function printBlock(title: string, text: string | null | undefined): void {
  process.stdout.write(`${paint('bold', title)}\n`);
  if (text === null || text === undefined || text === '') {
    process.stdout.write(`  ${paint('dim', '(empty)')}\n`);
    return;
  }
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: as it came
  }
  for (const line of shown.split(/\r\n|\n/)) process.stdout.write(`  ${escapeControls(line)}\n`);
}

/** A message for people on stderr (never mixed into --json output). */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

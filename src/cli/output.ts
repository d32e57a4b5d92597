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

export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
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
  for (const row of rows) process.stdout.write(`${columns.map((c) => cell(c.value(row)).replace(/[\t\n]/g, ' ')).join('\t')}\n`);
}

/** One object: JSON, or "field  value" lines. */
export function printObject(value: Record<string, unknown>, options: OutputOptions): void {
  if (options.json) return printJson(value);
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) {
    process.stdout.write(`${paint('bold', k.padEnd(width))}  ${cell(v)}\n`);
  }
}

/** A message for people on stderr (never mixed into --json output). */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

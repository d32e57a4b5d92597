/*
 * CSV as Linkwire writes and reads it, for every file a person may open in a spreadsheet: the CLI's
 * link export and import, the dashboard's, and the analytics click export. RFC 4180 (quoted fields
 * may hold commas, doubled quotes and line breaks; CRLF line ends), plus three things spreadsheets
 * need:
 *
 * - formula injection: a cell starting with = + - @ tab or CR would run as a formula, so it gets a
 *   leading apostrophe (OWASP's advice); reading takes exactly that apostrophe off again, so an
 *   export imports as it is (cells that already start with apostrophes before such a character get
 *   one more, which keeps the round trip exact);
 * - edge spaces: a cell with leading or trailing white space is quoted, so no reader trims it;
 * - the UTF-8 byte-order mark: files saved for spreadsheets start with one (Excel reads UTF-8
 *   without it as the local code page), and reading skips it.
 *
 * Plain strings only, no Node or DOM imports: the dashboard bundles this file and the CLI and the
 * server import it.
 */

/** The UTF-8 byte-order mark, first in a file meant for a spreadsheet. */
export const CSV_BOM = '\ufeff';

export type CsvValue = string | number | boolean | null | undefined;

/** Apostrophes, then a character that starts a formula (or a tab or CR some spreadsheets strip to reach one). */
const FORMULA = /^'*[=+\-@\t\r]/;
const GUARDED = /^'+[=+\-@\t\r]/;

/** One cell as CSV text: formula-guarded, and quoted when it holds a quote, comma, line break or edge space. */
export function csvCell(value: CsvValue): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = FORMULA.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, CRLF-terminated. */
export function csvLine(values: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i > 0 ? ',' : '') + csvCell(values[i]);
  return `${line}\r\n`;
}

/** A whole file: the records, and a BOM first when it is for a spreadsheet. */
export function toCsv(rows: readonly (readonly CsvValue[])[], options: { bom?: boolean } = {}): string {
  return (options.bom ? CSV_BOM : '') + rows.map(csvLine).join('');
}

/**
 * The records of a CSV text: a BOM skipped, CRLF, LF or CR line ends, quotes only at a field's start
 * (a quote inside an unquoted field is literal), blank lines dropped, and the formula guard taken off.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const endField = () => {
    record.push(unguard(field));
    field = '';
  };
  const endRecord = () => {
    endField();
    if (record.some((f) => f.trim() !== '')) records.push(record);
    record = [];
  };
  for (let i = text.startsWith(CSV_BOM) ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') endRecord();
    else if (c === '\r') {
      if (text[i + 1] !== '\n') endRecord();
    } else field += c;
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/** The records with the first one as the header: column names trimmed and lower-cased. */
export function parseCsvTable(text: string): { header: string[]; rows: string[][] } {
  const [header = [], ...rows] = parseCsv(text);
  return { header: header.map((h) => h.trim().toLowerCase()), rows };
}

function unguard(cell: string): string {
  return GUARDED.test(cell) ? cell.slice(1) : cell;
}

/**
 * Counts the records that have fully arrived, chunk by chunk (a streamed export's progress): a line
 * break ends a record only outside quotes (a referrer or user agent may hold one inside its cell).
 */
export class CsvRecordCounter {
  records = 0;
  private quoted = false;
  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) this.quoted = !this.quoted; // a doubled quote toggles twice: no change
      else if (c === 10 && !this.quoted) this.records++;
    }
  }
}

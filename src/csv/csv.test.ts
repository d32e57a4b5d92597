import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvCell, csvLine, parseCsv, parseCsvTable, toCsv } from './csv.js';

describe('CSV', () => {
  it('parses quotes, escaped quotes, commas and line breaks in fields, CRLF, LF or CR, a BOM, and skips blank lines', () => {
    const text = `${CSV_BOM}URL,Title\r\nhttps://a.example,"one, two"\nhttps://b.example,"say ""hi""\nsecond line"\r\n\n , \rhttps://c.example,x"y\n`;
    expect(parseCsvTable(text)).toEqual({
      header: ['url', 'title'],
      rows: [
        ['https://a.example', 'one, two'],
        ['https://b.example', 'say "hi"\nsecond line'],
        ['https://c.example', 'x"y'],
      ],
    });
  });

  it('makes formulas inert: a leading = + - @ tab or CR gets an apostrophe', () => {
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', "'=1", "''-2"]) expect(csvCell(formula).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://evil.example")')).toBe(`"'=HYPERLINK(""http://evil.example"")"`);
    for (const plain of ['a-b', 'x=1', "it's", 'café', '1.5']) expect(csvCell(plain)).toBe(plain);
  });

  it('quotes what a reader would split or trim: quotes, commas, line breaks, edge spaces', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', ' padded', 'padded ', '', null, 3, true])).toBe(
      'plain,"a,b","say ""hi""","two\nlines"," padded","padded ",,,3,true\r\n',
    );
  });

  it('starts a file for a spreadsheet with a BOM, only when asked', () => {
    expect(toCsv([['a', 'b'], ['1', '2']], { bom: true })).toBe(`${CSV_BOM}a,b\r\n1,2\r\n`);
    expect(toCsv([['a']])).toBe('a\r\n');
  });

  it('reads back exactly what it wrote, formulas and apostrophes included', () => {
    const values = ['plain', 'with, comma', 'with "quotes"', 'multi\nline', ' padded ', '', '=1+1', '-3', "'=already", "''+x", "'plain", '@me', '\tTab'];
    const text = toCsv([values.map((_, i) => `c${i}`), values], { bom: true });
    expect(parseCsv(text)).toEqual([values.map((_, i) => `c${i}`), values]);
  });
});

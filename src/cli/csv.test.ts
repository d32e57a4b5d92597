import { describe, expect, it } from 'vitest';
import { parseCsv, toCsvLine } from './csv.js';

describe('CSV', () => {
  it('parses quotes, escaped quotes, commas and newlines in fields, CRLF or LF, and a BOM', () => {
    const text = '\ufeffURL,Title\r\nhttps://a.example,"one, two"\nhttps://b.example,"say ""hi""\nsecond line"\n\n';
    expect(parseCsv(text)).toEqual({
      header: ['url', 'title'],
      rows: [
        ['https://a.example', 'one, two'],
        ['https://b.example', 'say "hi"\nsecond line'],
      ],
    });
  });

  it('writes what it reads back', () => {
    const values = ['plain', 'with, comma', 'with "quotes"', 'multi\nline', ' padded ', ''];
    const { header } = parseCsv(toCsvLine(values));
    expect(parseCsv(`${toCsvLine(['a', 'b', 'c', 'd', 'e', 'f'])}${toCsvLine(values)}`).rows).toEqual([values]);
    expect(header).toHaveLength(values.length);
  });
});

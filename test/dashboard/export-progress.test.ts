import { describe, expect, it } from 'vitest';
import { CsvRecordCounter, parseCsv } from '../../src/csv/csv.js';

/** The export's "n rows received" (dashboard/src/api/analytics.ts) counts records, not line breaks. */
describe('export progress row count', () => {
  const csv = 'id,referrer,user_agent\r\nclk_1,"https://a.example/?q=1\nline two",curl\r\nclk_2,,"say ""hi"",\r\nthere"\r\nclk_3,,x\r\n';

  it('a line break inside a quoted cell does not end a row, however the chunks split it', () => {
    const records = parseCsv(csv).length;
    expect(records).toBe(4);
    for (let size = 1; size <= csv.length; size++) {
      const counter = new CsvRecordCounter();
      for (let i = 0; i < csv.length; i += size) counter.push(csv.slice(i, i + size));
      expect(counter.records, `chunks of ${size}`).toBe(records);
    }
  });

  it('counts only whole rows while a row is still arriving', () => {
    const counter = new CsvRecordCounter();
    counter.push('id,referrer\r\nclk_1,"a\nb');
    expect(counter.records).toBe(1);
    counter.push('"\r\n');
    expect(counter.records).toBe(2);
  });
});

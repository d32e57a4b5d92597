/** `GET /api/analytics` and its CSV export (SPEC §3b): the calls the analytics views make. */
import type { components } from '../../../src/sdk/openapi-types.js';
import { ApiError, get, qs } from '../api';
import { CSV_BOM, CsvRecordCounter } from '../../../src/csv/csv.js';

export type Analytics = components['schemas']['Analytics'];

/** One query as the API takes it: a range already resolved to `from`/`to` (dates or instants), and the filters. */
export interface AnalyticsQuery {
  from?: string | undefined;
  to?: string | undefined;
  interval?: 'hour' | 'day' | undefined;
  link_id?: string | undefined;
  domain?: string | undefined;
  tag?: string | undefined;
  bots: boolean;
}

export function analyticsSearch(q: AnalyticsQuery): string {
  return qs({ from: q.from, to: q.to, interval: q.interval, link_id: q.link_id, domain: q.domain, tag: q.tag, bots: q.bots ? 'true' : undefined });
}

export const getAnalytics = (q: AnalyticsQuery) => get<Analytics>(`/api/analytics${analyticsSearch(q)}`);

export interface ExportProgress {
  bytes: number;
  rows: number;
}

export interface ExportedCsv extends ExportProgress {
  blob: Blob;
  filename: string;
}

/**
 * Streams `GET /api/analytics/export` with a reader so the caller can show bytes and rows as they
 * arrive (the server streams; there is no length to divide by) and cancel through `signal`.
 * Rows exclude the header line.
 */
export async function exportClicks(q: AnalyticsQuery, onProgress: (p: ExportProgress) => void, signal: AbortSignal): Promise<ExportedCsv> {
  let res: Response;
  try {
    res = await fetch(`/api/analytics/export${analyticsSearch(q)}`, { credentials: 'same-origin', headers: { accept: 'text/csv' }, signal });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.', {});
  }
  if (!res.ok || !res.body) {
    let message = `The server answered ${res.status}`;
    try {
      message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, 'HTTP_' + res.status, message, {});
  }
  const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'linkwire-clicks.csv';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const counter = new CsvRecordCounter();
  const chunks: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    const text = decoder.decode(value, { stream: true });
    chunks.push(text);
    counter.push(text);
    onProgress({ bytes, rows: Math.max(0, counter.records - 1) });
  }
  chunks.push(decoder.decode());
  const rows = Math.max(0, counter.records - 1);
  // Saved for a spreadsheet: with the byte-order mark, like every CSV the dashboard saves (src/csv/csv.ts).
  return { blob: new Blob([CSV_BOM, ...chunks], { type: 'text/csv' }), filename, bytes, rows };
}

import { readSse, type SseMessage } from '../../src/cli/sse.js';

/** One live SSE connection for tests: every message it received, and a way to drop it. */
export interface SseConnection {
  status: number;
  messages: SseMessage[];
  /** Raw text received, comments included (heartbeats). */
  raw(): string;
  drop(): void;
  ended: Promise<void>;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  let raw = '';
  if (!res.ok || !res.body) {
    return { status: res.status, messages, raw: () => raw, drop: () => controller.abort(), ended: Promise.resolve() };
  }
  const [forMessages, forRaw] = res.body.tee();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of forRaw as unknown as AsyncIterable<Uint8Array>) raw += decoder.decode(chunk, { stream: true });
    } catch {
      // dropped
    }
  })();
  const ended = (async () => {
    try {
      for await (const m of readSse(forMessages)) messages.push(m);
    } catch {
      // dropped
    }
  })();
  return { status: res.status, messages, raw: () => raw, drop: () => controller.abort(), ended };
}

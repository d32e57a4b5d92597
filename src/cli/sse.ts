/*
 * A small server-sent events client over fetch: the Authorization header (which the browser's
 * EventSource cannot send), Last-Event-ID on every reconnect, and the `retry:` delay the server
 * asks for. Parsing follows the WHATWG event-stream rules.
 */

export interface SseMessage {
  /** The `event:` name ("message" when absent). */
  event: string;
  /** The last `id:` seen on this stream (it carries over to messages without an id). */
  id: string | null;
  data: string;
}

/** Parses an event stream body into messages. */
export async function* readSse(body: ReadableStream<Uint8Array>, onRetry?: (ms: number) => void): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let lastId: string | null = null;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (line === '') {
        if (data.length) yield { event: event || 'message', id: lastId, data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\0')) lastId = value;
      else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value));
    }
  }
}

export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'StreamRefused';
  }
}

export interface FollowOptions {
  url: string;
  headers: Record<string, string>;
  lastEventId?: string | null;
  signal?: AbortSignal;
  onMessage: (message: SseMessage) => void | Promise<void>;
  /** Told when the connection dropped and a reconnect is coming (error: why). */
  onDisconnect?: (error: unknown) => void;
  onConnect?: () => void;
  fetch?: typeof fetch;
}

/**
 * Follows the stream until `signal` aborts, reconnecting with Last-Event-ID after a drop.
 * Rejects with StreamRefused when the server refuses it (4xx): retrying would not help.
 */
export async function followSse(options: FollowOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  let lastEventId = options.lastEventId ?? null;
  let retryMs = 2000;
  while (!options.signal?.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await doFetch(options.url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
      if (res.status >= 400 && res.status < 500) {
        const text = await res.text();
        let message = `${res.status} ${res.statusText}`;
        try {
          message = (JSON.parse(text) as { error: { message: string } }).error.message;
        } catch {
          // not our error envelope
        }
        throw new StreamRefused(res.status, message);
      }
      if (!res.ok || !res.body) throw new Error(`the stream answered ${res.status}`);
      options.onConnect?.();
      for await (const message of readSse(res.body, (ms) => (retryMs = ms))) {
        if (message.id) lastEventId = message.id;
        await options.onMessage(message);
      }
      options.onDisconnect?.(new Error('the server closed the stream'));
    } catch (err) {
      if (err instanceof StreamRefused) throw err;
      if (options.signal?.aborted) return;
      options.onDisconnect?.(err);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}

import { createClient, LinkwireError, type LinkwireClient } from '../sdk/index.js';

/*
 * The CLI's client: the SDK's (src/sdk/, typed by the OpenAPI document, `npm run sdk:types`) with
 * the CLI's words for failures. Commands call `client.api.<resource>.<verb>(…)` through `call`,
 * which turns the SDK's LinkwireError into an ApiError (the message and exit code scripts know).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  url: string;
  apiKey: string | null;
  /** Extra headers on every request (the session cookie while logging in). */
  headers?: Record<string, string>;
}

export class ApiClient {
  readonly baseUrl: string;
  /** The SDK's client for this instance and key. */
  readonly api: LinkwireClient;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.api = createClient({
      baseUrl: this.baseUrl,
      apiKey: options.apiKey ?? '',
      headers: { accept: 'application/json', ...options.headers },
      fetch: (request) => this.send(request),
    });
  }

  authHeaders(): Record<string, string> {
    return { ...this.options.headers, ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  /** Awaits an SDK call; a refusal becomes an ApiError with the server's own message. */
  async call<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      if (!(err instanceof LinkwireError)) throw err;
      const { code, message, details } = err.body.error;
      throw new ApiError(err.status, code, message, details ?? null);
    }
  }

  /** Iterates an SDK list (all pages); a refusal midway becomes an ApiError like `call`'s. */
  async *each<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = items[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.call(iterator.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /** A request outside the API's JSON answers (the login's session cookie); the caller reads the response. */
  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.reach(new Request(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
  }

  /**
   * Every request goes out here: an unreachable server is an ApiError in words, and an answer that
   * is not the API's error envelope (a proxy's page) is given one naming the request and status.
   */
  private async send(request: Request): Promise<Response> {
    const res = await this.reach(request);
    if (res.ok) return res;
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    const envelope = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const error =
      typeof envelope?.code === 'string' && typeof envelope.message === 'string'
        ? envelope
        : { code: `HTTP_${res.status}`, message: `${request.method} ${new URL(request.url).pathname} answered ${res.status} ${res.statusText}` };
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    headers.set('content-type', 'application/json');
    return new Response(JSON.stringify({ error }), { status: res.status, statusText: res.statusText, headers });
  }

  private async reach(request: Request): Promise<Response> {
    try {
      return await fetch(request);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, 'UNREACHABLE', `cannot reach Linkwire at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }
}

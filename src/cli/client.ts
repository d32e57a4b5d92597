/*
 * A small fetch-based client for the CLI. The typed SDK (src/sdk/, generated from the OpenAPI
 * document) is being built alongside; the CLI can switch to it once it lands — this file is the
 * only place that would change.
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

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  authHeaders(): Record<string, string> {
    return { ...this.options.headers, ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<T> {
    const res = await this.raw(method, path, body, query);
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!res.ok) {
      const envelope = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
      throw new ApiError(res.status, envelope?.code ?? `HTTP_${res.status}`, envelope?.message ?? `${method} ${path} answered ${res.status} ${res.statusText}`, envelope?.details ?? null);
    }
    return parsed as T;
  }

  async raw(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, 'UNREACHABLE', `cannot reach Linkwire at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }

  /** Every item of a cursor-paginated list, page by page. */
  async *paginate<T>(path: string, query: Record<string, string | number | undefined> = {}): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const page = await this.request<{ data: T[]; next_cursor: string | null }>('GET', path, undefined, { ...query, cursor });
      for (const item of page.data) yield item;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }
}

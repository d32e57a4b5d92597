/** The few Linkwire API calls the scenarios need, over plain fetch to 127.0.0.1. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown, expect: number[] = [200, 201]): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Signs up a fresh account and returns a client holding its API key. */
  async signup(email = 'bench@example.com'): Promise<Api> {
    const res = await this.call<{ api_key: string }>('POST', '/api/auth/signup', { email, password: 'a long bench password', workspace_name: 'bench' });
    return new Api(this.baseUrl, res.api_key);
  }

  setPlan(plan: string): Promise<unknown> {
    return this.call('PATCH', '/api/workspace', { plan });
  }

  createLink(body: Record<string, unknown>): Promise<{ id: string; slug: string; clicks: number }> {
    return this.call('POST', '/api/links', body);
  }

  async bulkLinks(links: Record<string, unknown>[]): Promise<number> {
    const res = await this.call<{ data: unknown[] }>('POST', '/api/links/bulk', { links });
    return res.data.length;
  }

  getLink(id: string): Promise<{ id: string; clicks: number }> {
    return this.call('GET', `/api/links/${id}`);
  }

  createWebhook(body: Record<string, unknown>): Promise<{ id: string }> {
    return this.call('POST', '/api/webhooks', body);
  }
}

import createFetchClient, { type Client } from 'openapi-fetch';
import { LinkwireError } from './errors.js';
import type { paths } from './openapi-types.js';
import type { BodyOf, EventType, QueryOf } from './types.js';

export interface ClientOptions {
  /** The instance's origin; default `LINKWIRE_URL` where an environment exists, else http://127.0.0.1:8080. */
  baseUrl?: string;
  /** An API key (`Authorization: Bearer …`); default `LINKWIRE_API_KEY` where an environment exists. */
  apiKey?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: (request: Request) => Promise<Response>;
}

/** One page of a list: `data` and the cursor of the next page (null on the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** All items of a list, fetched page by page as you iterate: `for await (const link of client.links.list())`. */
export interface Paginated<T> extends AsyncIterable<T> {
  /** The pages themselves, for progress or batching. */
  pages(): AsyncIterable<Page<T>>;
  /** Collects up to `max` items (default: all). */
  toArray(max?: number): Promise<T[]>;
}

/** Follows `next_cursor` from the first page to the last; `fetchPage(undefined)` is the first. */
export function paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Paginated<T> {
  async function* pages(): AsyncGenerator<Page<T>> {
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      yield page;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }
  async function* items(): AsyncGenerator<T> {
    for await (const page of pages()) yield* page.data;
  }
  return {
    [Symbol.asyncIterator]: () => items(),
    pages,
    async toArray(max = Infinity) {
      const out: T[] = [];
      if (max <= 0) return out;
      for await (const item of items()) {
        out.push(item);
        if (out.length >= max) break;
      }
      return out;
    },
  };
}

type Result = { data?: unknown; error?: unknown; response: Response };
type Data<R extends Result> = Exclude<R['data'], undefined>;
type ListQuery<P extends keyof paths> = Omit<QueryOf<P>, 'cursor'>;

function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

/**
 * A typed client for the Linkwire API. Methods return the answer's body and throw a
 * `LinkwireError` (status + error envelope) for anything but 2xx. `raw` is the underlying
 * openapi-fetch client, typed for every path of the OpenAPI document.
 */
export function createClient(options: ClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? env('LINKWIRE_URL') ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const apiKey = options.apiKey ?? env('LINKWIRE_API_KEY');
  const userFetch = options.fetch;
  const raw: Client<paths> = createFetchClient<paths>({
    baseUrl,
    headers: { ...options.headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    ...(userFetch ? { fetch: (request: Request) => userFetch(request) } : {}),
  });

  async function ok<R extends Result>(method: string, pending: Promise<R>): Promise<Data<R>> {
    const result = await pending;
    if (!result.response.ok) throw LinkwireError.from(result.response, result.error, method);
    return result.data as Data<R>;
  }
  const id = (value: string) => ({ params: { path: { id: value } } });

  const links = {
    /** Every link matching the query, newest first, across pages. */
    list: (query: ListQuery<'/api/links'> = {}) =>
      paginate((cursor) => ok('GET', raw.GET('/api/links', { params: { query: { ...query, ...(cursor ? { cursor } : {}) } } }))),
    get: (linkId: string) => ok('GET', raw.GET('/api/links/{id}', id(linkId))),
    create: (body: BodyOf<'/api/links', 'post'>) => ok('POST', raw.POST('/api/links', { body })),
    update: (linkId: string, body: BodyOf<'/api/links/{id}', 'patch'>) => ok('PATCH', raw.PATCH('/api/links/{id}', { ...id(linkId), body })),
    delete: async (linkId: string): Promise<void> => void (await ok('DELETE', raw.DELETE('/api/links/{id}', id(linkId)))),
    /** All or nothing; one link.created event per link. */
    createMany: async (items: BodyOf<'/api/links', 'post'>[]) => (await ok('POST', raw.POST('/api/links/bulk', { body: { links: items } }))).data,
    deleteMany: async (ids: string[]) => (await ok('POST', raw.POST('/api/links/bulk-delete', { body: { ids } }))).deleted,
    stats: (linkId: string, query: QueryOf<'/api/links/{id}/stats'> = {}) =>
      ok('GET', raw.GET('/api/links/{id}/stats', { params: { path: { id: linkId }, query } })),
  };

  const webhooks = {
    list: () => paginate((cursor) => ok('GET', raw.GET('/api/webhooks', { params: { query: cursor ? { cursor } : {} } }))),
    get: (webhookId: string) => ok('GET', raw.GET('/api/webhooks/{id}', id(webhookId))),
    /** The answer carries `secret`, shown only here (and on rotation). */
    create: (body: BodyOf<'/api/webhooks', 'post'>) => ok('POST', raw.POST('/api/webhooks', { body })),
    update: (webhookId: string, body: BodyOf<'/api/webhooks/{id}', 'patch'>) => ok('PATCH', raw.PATCH('/api/webhooks/{id}', { ...id(webhookId), body })),
    delete: async (webhookId: string): Promise<void> => void (await ok('DELETE', raw.DELETE('/api/webhooks/{id}', id(webhookId)))),
    pause: (webhookId: string) => ok('PATCH', raw.PATCH('/api/webhooks/{id}', { ...id(webhookId), body: { active: false } })),
    resume: (webhookId: string) => ok('PATCH', raw.PATCH('/api/webhooks/{id}', { ...id(webhookId), body: { active: true } })),
    /** Sends a sample event now and reports the endpoint's answer. */
    test: (webhookId: string, type?: EventType) => ok('POST', raw.POST('/api/webhooks/{id}/test', { ...id(webhookId), body: type ? { type } : {} })),
    /** A new secret; with `gracePeriodS` the old one keeps signing alongside for that long. */
    rotateSecret: (webhookId: string, gracePeriodS?: number) =>
      ok('POST', raw.POST('/api/webhooks/{id}/rotate-secret', { ...id(webhookId), body: gracePeriodS === undefined ? {} : { grace_period_s: gracePeriodS } })),
    deliveries: (webhookId: string, query: ListQuery<'/api/webhooks/{id}/deliveries'> = {}) =>
      paginate((cursor) =>
        ok('GET', raw.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: webhookId }, query: { ...query, ...(cursor ? { cursor } : {}) } } })),
      ),
    replay: (webhookId: string, body: BodyOf<'/api/webhooks/{id}/replay', 'post'>) =>
      ok('POST', raw.POST('/api/webhooks/{id}/replay', { ...id(webhookId), body })),
  };

  const deliveries = {
    /** The delivery with its request (headers, body) and every attempt. */
    get: (deliveryId: string) => ok('GET', raw.GET('/api/deliveries/{id}', id(deliveryId))),
    replay: (deliveryId: string) => ok('POST', raw.POST('/api/deliveries/{id}/replay', id(deliveryId))),
  };

  const events = {
    /** The workspace's events of the last 30 days, newest first. */
    list: (query: ListQuery<'/api/events'> = {}) =>
      paginate((cursor) => ok('GET', raw.GET('/api/events', { params: { query: { ...query, ...(cursor ? { cursor } : {}) } } }))),
    /** Every event type with the JSON Schema of its `data`. */
    types: async () => (await ok('GET', raw.GET('/api/event-types'))).data,
  };

  const domains = {
    list: () => paginate((cursor) => ok('GET', raw.GET('/api/domains', { params: { query: cursor ? { cursor } : {} } }))),
    get: (domainId: string) => ok('GET', raw.GET('/api/domains/{id}', id(domainId))),
    add: (hostname: string) => ok('POST', raw.POST('/api/domains', { body: { hostname } })),
    verify: (domainId: string) => ok('POST', raw.POST('/api/domains/{id}/verify', id(domainId))),
    delete: async (domainId: string, force = false): Promise<void> =>
      void (await ok('DELETE', raw.DELETE('/api/domains/{id}', { params: { path: { id: domainId }, query: force ? { force } : {} } }))),
  };

  const workspace = {
    get: () => ok('GET', raw.GET('/api/workspace')),
    update: (body: BodyOf<'/api/workspace', 'patch'>) => ok('PATCH', raw.PATCH('/api/workspace', { body })),
  };

  const apiKeys = {
    list: () => paginate((cursor) => ok('GET', raw.GET('/api/workspace/api-keys', { params: { query: cursor ? { cursor } : {} } }))),
    /** The answer carries `key`, shown only here. */
    create: (body: BodyOf<'/api/workspace/api-keys', 'post'>) => ok('POST', raw.POST('/api/workspace/api-keys', { body })),
    delete: async (keyId: string): Promise<void> => void (await ok('DELETE', raw.DELETE('/api/workspace/api-keys/{id}', id(keyId)))),
  };

  return { baseUrl, raw, links, webhooks, deliveries, events, domains, workspace, apiKeys };
}

export type LinkwireClient = ReturnType<typeof createClient>;

/**
 * Creates an account (open signup) and returns its first API key with a client using it:
 * the start of a script against a fresh instance.
 */
export async function signup(
  body: BodyOf<'/api/auth/signup', 'post'>,
  options: Omit<ClientOptions, 'apiKey'> = {},
): Promise<{ client: LinkwireClient; apiKey: string; workspaceId: string; userId: string }> {
  const anonymous = createClient({ ...options, apiKey: '' });
  const result = await anonymous.raw.POST('/api/auth/signup', { body });
  if (!result.response.ok || !result.data) throw LinkwireError.from(result.response, result.error, 'POST');
  const { api_key: apiKey, workspace, user } = result.data;
  return { client: createClient({ ...options, apiKey }), apiKey, workspaceId: workspace.id, userId: user.id };
}

import Fastify from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/http/error-handler.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { documentAndRoutes, type OpenApiDocument } from '../helpers/openapi.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const NUL = 'a\u0000b';
const WRITES = new Set(['post', 'put', 'patch']);

/** The top-level string (or string-array) fields of an operation's JSON body, from the document. */
function bodyStringFields(document: OpenApiDocument, op: any): { name: string; array: boolean }[] {
  let schema = op.requestBody?.content?.['application/json']?.schema;
  if (schema?.$ref) schema = document.components.schemas[String(schema.$ref).split('/').pop()!];
  const fields: { name: string; array: boolean }[] = [];
  for (const [name, prop] of Object.entries<any>(schema?.properties ?? {})) {
    const types = [prop.type, ...(prop.anyOf ?? []).map((b: any) => b.type)].flat();
    if (types.includes('string')) fields.push({ name, array: false });
    else if (types.includes('array') && (prop.items?.type === 'string' || prop.anyOf?.some((b: any) => b.items?.type === 'string'))) fields.push({ name, array: true });
  }
  return fields;
}

describe.each(DIALECTS)('control characters on %s (issue 21 item 4)', (dialect) => {
  let t: TestApp;
  let key: string;
  let document: OpenApiDocument;
  let linkId: string;

  beforeAll(async () => {
    ({ document } = await documentAndRoutes());
    t = await startTestApp(dialect);
    ({ key } = await t.signup());
    linkId = (await t.api('POST', '/api/links', { url: 'https://example.com/' }, key)).json().id;
  });
  afterAll(async () => t?.close());

  it('a NUL in any path parameter, query parameter or body field of any route is never a 5xx', async () => {
    const failures: string[] = [];
    const seen: string[] = [];
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await http(t.url, method.toUpperCase(), path, { token: key, ...(body === undefined ? {} : { body }) });
      seen.push(`${method} ${path}`);
      if (res.status >= 500) failures.push(`${method.toUpperCase()} ${path} ${body === undefined ? '' : JSON.stringify(body)} → ${res.status} ${res.text.slice(0, 160)}`);
      return res;
    };
    for (const [template, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        if (template === '/api/events/stream') continue; // never ends; its query is checked below
        const params: any[] = [...(item.parameters ?? []), ...(op.parameters ?? [])];
        const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name as string);
        const valid = (name: string) => (name === 'id' && template.startsWith('/api/links/') ? linkId : 'x');
        const fill = (nulIn: string | null) => template.replace(/\{([^}]+)\}/g, (_, name: string) => (name === nulIn ? encodeURIComponent(NUL) : valid(name)));
        const body = WRITES.has(method) ? {} : undefined;
        for (const name of pathParams) await send(method, fill(name), body);
        for (const p of params.filter((q) => q.in === 'query')) {
          const name = String(p.name);
          const arrayName = p.schema?.type === 'array' ? `${name}` : name;
          await send(method, `${fill(null)}?${encodeURIComponent(arrayName)}=${encodeURIComponent(NUL)}`, body);
        }
        if (WRITES.has(method)) {
          for (const field of bodyStringFields(document, op)) await send(method, fill(null), { [field.name]: field.array ? [NUL] : NUL });
        }
      }
    }
    // Bodies that are valid but for the NUL, so the request gets as far as the database.
    const url = 'https://example.com/x';
    for (const body of [{ url, title: NUL }, { url, tags: [NUL] }, { url, slug: 'ab\u0000cd' }, { url, utm_source: NUL }, { url, utm_campaign: NUL }, { url, og_title: NUL }, { url, og_description: NUL }]) {
      const res = await send('post', '/api/links', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
      expect(res.json().error.message).toMatch(/must not contain control characters \(found U\+0000 at position \d+\)/);
    }
    await send('post', '/api/links/bulk', { links: [{ url, title: NUL }] });
    await send('patch', `/api/links/${linkId}`, { title: NUL });
    await send('patch', `/api/links/${linkId}`, { tags: ['ok', NUL] });
    await send('post', '/api/webhooks', { name: NUL, url: 'https://hooks.example.com/x', events: ['link.clicked'] });
    await send('post', '/api/integrations', { type: 'slack', name: NUL, settings: { note: NUL } });
    await send('post', '/api/workspace/api-keys', { name: NUL });
    await send('patch', '/api/workspace', { name: NUL });
    await send('post', '/api/domains', { domain: `a${NUL}.example.com` });
    await send('post', '/api/auth/login', { email: `a${NUL}@example.com`, password: NUL });
    for (const query of ['search', 'tag', 'domain']) await send('get', `/api/links?${query}=${encodeURIComponent(NUL)}`);
    for (const query of ['tags[]=', 'tags=', 'utm_source=', 'last_event_id=']) await send('get', `/api/links?${query}${encodeURIComponent(NUL)}`);
    await send('get', `/api/events?after=${encodeURIComponent(NUL)}`);
    const stream = await http(t.url, 'GET', `/api/events/stream?last_event_id=${encodeURIComponent(NUL)}`, { token: key });
    if (stream.status >= 500) failures.push(`GET /api/events/stream?last_event_id=NUL → ${stream.status}`);
    await send('get', `/${encodeURIComponent(NUL)}`);
    await send('get', `/api/links/${linkId}${encodeURIComponent('\u0000')}`);
    expect(seen.length).toBeGreaterThan(100);
    expect(failures).toEqual([]);
    // Nothing was stored on the way.
    const links = (await t.api('GET', '/api/links?limit=100', undefined, key)).json().data;
    expect(links.map((l: any) => l.id)).toEqual([linkId]);
  });

  it('control characters in ids, search and tags are a 400 in words', async () => {
    const res = await http(t.url, 'GET', `/api/links/${encodeURIComponent('lnk_\u0001x')}`, { token: key });
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'Invalid request (params): id must not contain control characters (found U+0001 at position 4)' });
    const search = await http(t.url, 'GET', `/api/links?search=${encodeURIComponent('ab\u0000')}`, { token: key });
    expect(search.status).toBe(400);
    expect(search.json().error.message).toBe('Invalid request (querystring): search must not contain control characters (found U+0000 at position 2)');
    const tag = await t.api('POST', '/api/links', { url: 'https://example.com/', tags: ['fine', 'bad\ttag'] }, key);
    expect(tag.status).toBe(400);
    expect(tag.json().error.message).toBe('Invalid request: tags[1] must not contain control characters (found U+0009 at position 3)');
  });

  it.runIf(dialect === 'postgres')('as a last line, PostgreSQL refusing a NUL (22021, 22P05) is a 400, not a 500', async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get('/text', async () => sql`SELECT ${'a\u0000b'}::text AS t`.execute(t.storage.db));
    app.get('/json', async () => sql`SELECT ${'{"a":"\\u0000"}'}::jsonb AS j`.execute(t.storage.db));
    try {
      for (const url of ['/text', '/json']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error).toEqual({ code: 'VALIDATION_ERROR', message: 'Invalid request: text must not contain NUL (U+0000) or other control characters' });
      }
    } finally {
      await app.close();
    }
  });
});

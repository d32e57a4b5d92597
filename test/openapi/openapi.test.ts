import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventTypesForVersion } from '../../src/events/catalog.js';
import { NEWEST_PAYLOAD_VERSION, PAYLOAD_VERSIONS } from '../../src/events/payload-versions.js';
import { UNDOCUMENTED_ROUTES as NOT_IN_DOCUMENT } from '../../src/openapi/document.js';
import { documentAndRoutes, openApiPath, strictCopy, type OpenApiDocument } from '../helpers/openapi.js';

describe('OpenAPI document', () => {
  let document: OpenApiDocument;
  let routes: { method: string; url: string }[];

  beforeAll(async () => {
    ({ document, routes } = await documentAndRoutes());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  const HEALTH_PROBES = new Set(['/healthz', '/readyz']);

  it('documents every route the server registers, each with a success response and its error envelopes', () => {
    const skipped = routes.filter((r) => r.method !== 'HEAD' && !NOT_IN_DOCUMENT.some((x) => x.pattern.test(r.url)));
    expect(skipped.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const route of skipped) {
      const op = document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (!op) {
        problems.push(`${route.method} ${route.url}: missing from paths`);
        continue;
      }
      const statuses = Object.keys(op.responses);
      // A success, or for a route a browser is sent through (single sign-on's start and callback) the 302 onward.
      if (!statuses.some((s) => /^2/.test(s) || s === '302')) problems.push(`${route.method} ${route.url}: no 2xx (or 302) response`);
      if (route.url.startsWith('/api/') && !statuses.includes('503')) problems.push(`${route.method} ${route.url}: no 503`);
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        // The probes answer their own small body on 503 (what the database is doing), not the API's error envelope.
        if (HEALTH_PROBES.has(route.url)) continue;
        if (op.responses[s].content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error') problems.push(`${route.method} ${route.url} ${s}: not the Error envelope`);
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (route.url.startsWith('/api/') && !isPublic && !(statuses.includes('401') && statuses.includes('403'))) problems.push(`${route.method} ${route.url}: no 401/403`);
      if (op.requestBody && !['400', '413', '415'].every((s) => statuses.includes(s))) problems.push(`${route.method} ${route.url}: a body but not 400/413/415`);
      if (!op.operationId && route.url.startsWith('/api/')) problems.push(`${route.method} ${route.url}: no operationId`);
      if (route.url.includes('/:') && !statuses.includes('404')) problems.push(`${route.method} ${route.url}: has an id but no 404`);
    }
    expect(problems).toEqual([]);
    // And nothing documented that the server does not serve.
    const served = new Set(skipped.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`));
    const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`));
    expect(documented.filter((d) => !served.has(d))).toEqual([]);
  });

  it('names the main objects as components and declares bearer and cookie security', () => {
    const names = Object.keys(document.components.schemas);
    for (const name of ['Link', 'Webhook', 'WebhookWithSecret', 'Delivery', 'DeliveryDetail', 'Attempt', 'Event', 'Domain', 'Member', 'ApiKey', 'Workspace', 'Integration', 'Click', 'Error']) {
      expect(names).toContain(name);
    }
    expect(names.some((n) => /^def-\d+$/.test(n))).toBe(false);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.components.securitySchemes.cookieAuth).toMatchObject({ type: 'apiKey', in: 'cookie' });
    expect(document.paths['/api/links'].post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Link' });
    expect(document.paths['/api/auth/signup'].post.security).toEqual([]);
  });

  it('describes every event type under webhooks with exactly the data schema /api/event-types serves', () => {
    expect(Object.keys(document.webhooks).sort()).toEqual(EVENT_TYPES.map((e) => e.type).sort());
    const deref = (node: unknown): unknown => {
      if (node === null || typeof node !== 'object') return node;
      if (Array.isArray(node)) return node.map(deref);
      const ref = (node as { $ref?: string }).$ref;
      if (ref) return deref(document.components.schemas[ref.replace('#/components/schemas/', '')]);
      return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'examples').map(([k, v]) => [k, deref(v)]));
    };
    // What /api/event-types serves is the catalog's schema as JSON.
    const served = (schema: unknown) => JSON.parse(JSON.stringify(schema));
    // @fastify/swagger writes `const` as a one-value `enum` and TypeBox's any-key
    // `patternProperties` as `additionalProperties`: the same schema; undo both to compare.
    const unEnum = (node: unknown): unknown => {
      if (node === null || typeof node !== 'object') return node;
      if (Array.isArray(node)) return node.map(unEnum);
      const o = node as Record<string, unknown>;
      const anyKey = (o.patternProperties as Record<string, unknown> | undefined)?.['^(.*)$'];
      if (anyKey !== undefined && Object.keys(o.patternProperties as object).length === 1) {
        const { patternProperties: _p, ...rest } = o;
        return unEnum({ ...rest, additionalProperties: anyKey });
      }
      if (Array.isArray(o.enum) && o.enum.length === 1 && o.const === undefined && o.type === 'string') {
        const { enum: values, ...rest } = o;
        return { ...rest, const: values[0] };
      }
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unEnum(v)]));
    };
    // The section's bodies are the newest payload version's (what a new webhook receives); every
    // version's envelope is in x-payload-versions, each exactly what /api/event-types?version= serves.
    const check = (body: unknown, event: { type: string; schema: unknown }, label: string) => {
      const envelope = deref(body) as { properties: Record<string, unknown>; required: string[] };
      expect(envelope.required.sort()).toEqual(['actor', 'data', 'id', 'timestamp', 'type', 'workspace_id']);
      expect(unEnum(envelope.properties.type)).toMatchObject({ const: event.type });
      expect(unEnum(envelope.properties.data), label).toEqual(unEnum(served(event.schema)));
    };
    for (const event of eventTypesForVersion(NEWEST_PAYLOAD_VERSION)) {
      const post = document.webhooks[event.type].post;
      check(post.requestBody.content['application/json'].schema, event, event.type);
      expect(post.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['webhook-signature', 'webhook-version']));
      expect(Object.keys(post['x-payload-versions'])).toEqual([...PAYLOAD_VERSIONS]);
    }
    for (const version of PAYLOAD_VERSIONS) {
      for (const event of eventTypesForVersion(version)) check(document.webhooks[event.type].post['x-payload-versions'][version], event, `${event.type} ${version}`);
    }
    // The versions differ where they should: 2027-01-01's click carries the summary.
    const clicked = deref(document.webhooks['link.clicked'].post.requestBody.content['application/json'].schema) as { properties: { data: { properties: { link: { properties: object } } } } };
    expect(Object.keys(clicked.properties.data.properties.link.properties)).toEqual(['id', 'domain', 'slug', 'url', 'short_url', 'title', 'tags']);
  });

  it('every example validates against its component, strictly', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(strictCopy({ $id: 'doc', components: document.components }) as object);
    const withExamples = Object.entries<any>(document.components.schemas).filter(([, s]) => Array.isArray(s.examples));
    expect(withExamples.map(([n]) => n)).toEqual(expect.arrayContaining(['Link', 'Webhook', 'LinkClickedEvent', 'Error']));
    for (const [name, schema] of withExamples) {
      const validate = ajv.compile({ $ref: `doc#/components/schemas/${name}` });
      for (const example of schema.examples) expect(validate(example) ? [] : validate.errors, name).toEqual([]);
    }
  });
});

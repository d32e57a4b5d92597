import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { createApp } from '../../src/app.js';
import { configWith } from '../../src/config.js';
import { openStorage } from '../../src/storage/open.js';

export type OpenApiDocument = Record<string, any>;

/** The app's document and every route Fastify registered, from an app that never listens. */
export async function documentAndRoutes(): Promise<{ document: OpenApiDocument; routes: { method: string; url: string }[] }> {
  const storage = openStorage('sqlite::memory:');
  await storage.migrate();
  const routes: { method: string; url: string }[] = [];
  const app = await createApp({
    // No journal: the default one is under ./data, which tests never touch (a running `npm start` holds it).
    config: configWith({ logLevel: 'silent', journalDir: null }),
    storage,
    logLevel: 'silent',
    onRoute: (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    },
  });
  try {
    const res = await app.fastify.inject({ method: 'GET', url: '/openapi.json' });
    return { document: res.json(), routes };
  } finally {
    await app.close();
    await storage.close();
  }
}

/** `/api/links/:id` → `/api/links/{id}` */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Copies a schema with `additionalProperties: false` on every object that lists its properties
 * and says nothing else: a real response carrying a field the document does not list then fails.
 */
export function strictCopy(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(strictCopy);
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, strictCopy(v)])) as Record<string, unknown>;
  if (copy.properties && copy.additionalProperties === undefined && copy.patternProperties === undefined) copy.additionalProperties = false;
  return copy;
}

export interface ResponseChecker {
  /** Problems with this response against the document (empty when it matches exactly). */
  check(method: string, url: string, status: number, body: unknown): string[];
  /** "METHOD path status" of every response checked so far. */
  readonly seen: Set<string>;
}

/** Validates real responses against the document's response schemas, made strict. */
export function responseChecker(document: OpenApiDocument): ResponseChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('binary', true);
  const operations: { key: string; schema: unknown }[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
        const schema = response.content?.['application/json']?.schema;
        if (schema) operations.push({ key: `${method.toUpperCase()} ${path} ${status}`, schema });
      }
    }
  }
  ajv.addSchema(strictCopy({ $id: 'doc', components: document.components, operations: operations.map((o) => o.schema) }) as object);
  const validators = new Map<string, ValidateFunction>(operations.map((o, i) => [o.key, ajv.compile({ $ref: `doc#/operations/${i}` })]));
  const seen = new Set<string>();
  return {
    seen,
    check(method, url, status, body) {
      const path = url.split('?')[0]!;
      const template = Object.keys(document.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path) && document.paths[p][method.toLowerCase()]);
      if (!template) return [`${method} ${path}: not in the document`];
      const op = document.paths[template][method.toLowerCase()];
      const key = `${method} ${template} ${status}`;
      seen.add(key);
      if (!op.responses[String(status)]) return [`${key}: status not documented (${JSON.stringify(body).slice(0, 200)})`];
      const validate = validators.get(key);
      if (!validate) return status === 204 || body === undefined ? [] : [`${key}: documented without a JSON body`];
      if (validate(body)) return [];
      return (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    },
  };
}

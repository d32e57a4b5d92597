import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { EVENT_TYPES } from '../events/catalog.js';
import { SESSION_COOKIE } from '../accounts/tokens.js';
import { VERSION } from '../runtime/version.js';
import { DOCS_TITLE, ICON_SVG, LOGO_SVG } from './brand.js';
import { SCHEMAS, versionedEventComponentName } from './components.js';
import { errors, type ErrorStatus } from './refs.js';
import { NEWEST_PAYLOAD_VERSION, PAYLOAD_VERSIONS } from '../events/payload-versions.js';
import { EXAMPLES } from './examples.js';

/** Where the document and its page live; both are reserved, never short-link slugs. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

/**
 * Replaces every nested sub-schema that *is* (by identity) one of the named components with a
 * `$ref` to it, so a Link inside an event or a list is documented once, as `Link`.
 * `prefix` is '' for schemas Fastify registers (it rewrites `$ref: "Link"` itself) and
 * '#/components/schemas/' for the `webhooks` section, which @fastify/swagger passes through.
 */
export function withComponentRefs(schema: unknown, prefix: string, self?: unknown): unknown {
  const names = new Map<unknown, string>(Object.entries(SCHEMAS).map(([name, s]) => [s, name]));
  const walk = (node: unknown, root: boolean): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (!root && node !== self && names.has(node)) return { $ref: `${prefix}${names.get(node)!}` };
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, false)]));
  };
  return walk(schema, true);
}

/**
 * The top-level `webhooks` section: one POST per event type, its body the typed envelope as the
 * newest payload version shapes it (what a new webhook receives). OpenAPI has one `webhooks` map
 * per document, so the shape of every version goes in `x-payload-versions` (version → envelope
 * component); GET /api/event-types?version= gives the same per version at run time.
 */
function webhooksSection() {
  return Object.fromEntries(
    EVENT_TYPES.map((e) => [
      e.type,
      {
        post: {
          summary: e.type,
          description: `${e.description}\n\nSigned with the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) and x-linkwire-signature; verify with \`verifyWebhook\` from \`linkwire/sdk\` (docs/sdk.md).`,
          operationId: `event_${e.type.replace(/\W/g, '_')}`,
          tags: ['Events'],
          parameters: WEBHOOK_HEADERS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${versionedEventComponentName(e.type, NEWEST_PAYLOAD_VERSION)}` } } },
          },
          'x-payload-versions': Object.fromEntries(PAYLOAD_VERSIONS.map((v) => [v, { $ref: `#/components/schemas/${versionedEventComponentName(e.type, v)}` }])),
          responses: {
            '2XX': { description: 'Any 2xx within timeout_ms counts as delivered' },
            default: { description: 'Anything else (or no answer in time) is retried on the webhook’s schedule' },
          },
        },
      },
    ]),
  );
}

const header = (name: string, description: string) => ({ in: 'header', name, required: true, schema: { type: 'string' }, description });
const WEBHOOK_HEADERS = [
  header('webhook-id', 'The event id, the same on every retry: dedupe on it'),
  header('webhook-timestamp', 'Unix seconds when this attempt was signed'),
  header('webhook-signature', 'Space-separated `v1,<base64 HMAC-SHA256>` of "<id>.<timestamp>.<body>" (two during a secret rotation)'),
  header('x-linkwire-signature', 'Space-separated `sha256=<hex HMAC-SHA256 of the body>` keyed with the secret string'),
  header('x-linkwire-event', 'The event type'),
  header('webhook-version', 'The payload version the webhook is pinned to, which shaped the body (docs/events.md, "Payload versions")'),
  header('x-linkwire-delivery', 'The delivery id (dlv_…)'),
  header('x-linkwire-attempt', 'The attempt number, from 1'),
];

/**
 * Routes that are not part of the API, left out of the document on purpose, each with its reason
 * (test/openapi/openapi.test.ts requires every other registered route in the document).
 */
export const UNDOCUMENTED_ROUTES: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^\/openapi\.json$/, why: 'the document itself' },
  { pattern: /^\/docs(\/.*)?$/, why: 'the docs page and its bundled swagger-ui assets' },
  { pattern: /^\/(login|signup|links|settings)?(\/\*)?$|^\/assets\/:file$/, why: 'the dashboard’s HTML pages and built assets' },
  { pattern: /^\/(invite\/\*|reset\/\*|forgot-password)$/, why: 'the dashboard’s invitation, reset and forgot-password pages' },
];

/** `GET /healthz`: outside /api, so it declares what the onRoute hook adds to API routes itself. */
const DatabaseState = Type.String({ description: "'up', or why the database cannot be used" });

/** The click journal's lag in a redirect process (docs/click-journal.md): answered clicks not yet in the database. */
const JournalLagSchema = Type.Object(
  {
    journal_id: Type.String(),
    records_behind: Type.Integer({ minimum: 0 }),
    seconds_behind: Type.Number({ minimum: 0 }),
    bytes_behind: Type.Integer({ minimum: 0 }),
    max_bytes: Type.Integer({ minimum: 0 }),
    warning: Type.Union([Type.String(), Type.Null()], { description: 'Set from 80 % of the size bound, and while the journal cannot be written' }),
    write_error: Type.Union([Type.String(), Type.Null()], {
      description: 'Why the journal cannot be written now (a full disk, its directory removed); redirects are counted through the database meanwhile and keep answering',
    }),
  },
  { description: 'Present in processes that redirect with a click journal' },
);

export const healthSchema = {
  tags: ['Health'],
  summary: 'Liveness and the database: 503 while the database cannot be reached',
  security: [],
  response: {
    200: Type.Object({ status: Type.Literal('ok'), database: DatabaseState, journal: Type.Optional(JournalLagSchema) }),
    503: Type.Object({ status: Type.Literal('degraded'), database: DatabaseState, journal: Type.Optional(JournalLagSchema) }),
  },
};

export const readySchema = {
  tags: ['Health'],
  summary: 'Readiness for load balancers: 503 while the database is unreachable or the process is shutting down',
  security: [],
  response: {
    200: Type.Object({ ready: Type.Literal(true), database: DatabaseState }),
    503: Type.Object({ ready: Type.Literal(false), reason: Type.String(), database: DatabaseState }),
  },
};

const SUCCESS_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted: queued', 204: 'Done; no body' };

/**
 * Errors a route can answer because of what it is, whatever its handler does: added to every
 * `/api/*` route that declares its responses, so no route forgets them.
 */
function implicitErrors(schema: Record<string, unknown>, isPublic: boolean): ErrorStatus[] {
  const statuses: ErrorStatus[] = [503]; // the database is unreachable
  if (!isPublic) statuses.push(401, 403); // no valid key or session; a scoped key or a member's role
  if (schema.body) statuses.push(400, 413, 415); // malformed JSON, too large, not JSON
  if (schema.params || schema.querystring) statuses.push(400);
  return statuses;
}

/**
 * OpenAPI 3.1 from the route schemas: registers the named components, the `webhooks` section,
 * `GET /openapi.json` and the docs page at `/docs` (swagger-ui, bundled: nothing from elsewhere).
 * Call before any route is registered so the onRoute hook sees them all.
 */
export async function installOpenApi(app: FastifyInstance, options: { serve: boolean }): Promise<void> {
  // Responses are serialized with JSON.stringify, not fast-json-stringify: a field a response
  // schema forgot is then still sent (and the strict response test reports the gap), never dropped.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const example = EXAMPLES[name];
    app.addSchema({ ...(withComponentRefs(schema, '', schema) as object), $id: name, ...(example ? { examples: [example] } : {}) });
  }

  app.addHook('onRoute', (route: RouteOptions) => {
    route.schema ??= {};
    if (UNDOCUMENTED_ROUTES.some((r) => r.pattern.test(route.url))) (route.schema as { hide?: boolean }).hide ??= true;
    const schema = route.schema as Record<string, unknown> & { response?: Record<string, TSchema> };
    for (const [status, response] of Object.entries(schema.response ?? {})) {
      const text = SUCCESS_TEXT[status];
      if (text && !('description' in response)) schema.response![status] = { ...response, description: text };
    }
    if (!route.url.startsWith('/api/')) return;
    const method = [route.method].flat().find((m) => m !== 'HEAD') ?? 'GET';
    schema.operationId ??= operationIdOf(method, route.url);
    const isPublic = (route.config as { public?: boolean } | undefined)?.public === true;
    schema.tags ??= [tagOf(route.url)];
    if (isPublic) schema.security ??= [];
    if (schema.response) {
      const declared = errors(...implicitErrors(schema, isPublic));
      for (const [status, response] of Object.entries(declared)) schema.response[status] ??= response;
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Linkwire API',
        version: VERSION,
        description:
          'Short links with real-time, signed, retried webhooks. JSON in and out, snake_case fields, ISO-8601 UTC timestamps, prefixed ids. ' +
          'Lists are cursor-paginated: `?limit=50&cursor=…` → `{data, next_cursor}`. Errors: `{error: {code, message, details?}}`. ' +
          'The `webhooks` section documents every event a subscribed endpoint receives in the `standard` format; the other services’ formats send the `AwsysPayload`, `NobsredirPayload`, `LinkzlyPayload`, `SnipPayload` and `LinklyPayload` components instead (docs/migrating/).',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'This instance' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (from signup or POST /api/workspace/api-keys)' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The dashboard session from POST /api/auth/login' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key as bearerAuth, in the header other shorteners’ clients use' },
        },
      },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }, { cookieAuth: [] }],
      tags: [
        { name: 'Auth' }, { name: 'Workspace' }, { name: 'Links' }, { name: 'Domains' }, { name: 'Webhooks' },
        { name: 'Deliveries' }, { name: 'Events' }, { name: 'Integrations' }, { name: 'Health' },
      ],
      webhooks: webhooksSection(),
    } as Record<string, unknown>,
    refResolver: {
      // Components keep their own names (`Link`, not `def-0`).
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });

  if (options.serve) {
    app.get(OPENAPI_PATH, { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
    await app.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      uiConfig: { validatorUrl: null, deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0 },
      // Ours, not the plugin's: title "Swagger UI", Swagger's favicons and Fastify's logo otherwise.
      theme: { title: DOCS_TITLE, favicon: [{ filename: 'icon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: ICON_SVG }] },
      logo: { type: 'image/svg+xml', content: LOGO_SVG, href: DOCS_PREFIX, target: '_self' },
      staticCSP: true,
      // Everything from this origin: no validator badge, fonts or styles from elsewhere, and no
      // upgrade to https on a plain-http self-hosted instance. swagger-ui sets inline styles at
      // run time (syntax highlighting), so styles (never scripts) may be inline.
      transformStaticCSP: (csp) =>
        csp
          .replace(' validator.swagger.io', '')
          .replace(/ https:/g, '')
          .replace(/ upgrade-insecure-requests;/, '')
          .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
          .replace("font-src 'self' data:", "font-src 'self' data:; connect-src 'self'"),
    });
  }
}

/** `GET /api/links/:id/stats` → `getLinksByIdStats`: stable names for generated clients. */
function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\//, '')
    .split('/')
    .map((part) => (part.startsWith(':') ? `by_${part.slice(1)}` : part))
    .flatMap((part) => part.split(/[-_]/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function tagOf(url: string): string {
  const part = url.split('/')[2] ?? '';
  if (part === 'auth') return 'Auth';
  if (part === 'workspace') return 'Workspace';
  if (part === 'deliveries') return 'Deliveries';
  if (url.startsWith('/api/links/:id/webhooks')) return 'Webhooks';
  if (/^\/api\/webhooks\/:id\/(deliveries|replay|test)/.test(url)) return 'Deliveries';
  if (part === 'events' || part === 'event-types') return 'Events';
  if (part === 'webhook-formats') return 'Webhooks';
  return part.charAt(0).toUpperCase() + part.slice(1);
}

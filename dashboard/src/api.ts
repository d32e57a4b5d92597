/** The dashboard calls the same public API as everyone, authenticated by the session cookie (same origin). */
import type { components, paths } from '../../src/sdk/openapi-types.js';
import type { AnswerOf, BodyOf } from '../../src/sdk/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field name → message, from the error envelope's details. */
    readonly fields: Record<string, string>,
  ) {
    super(message);
  }
}

interface Envelope {
  error?: { code?: string; message?: string; details?: { field?: string; fields?: { field: string; message: string }[] } };
}

/** Called on any 401 so the app can show the login page. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** Called when the workspace turns out to require two-factor sign-in the user lacks (the app shows the Security page). */
let onTwoFactorSetupRequired: () => void = () => undefined;
export function setTwoFactorSetupHandler(fn: () => void): void {
  onTwoFactorSetupRequired = fn;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.', {});
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as Envelope | null)?.error;
    const fields: Record<string, string> = {};
    const details = err?.details;
    if (details?.fields) for (const f of details.fields) fields[f.field.split('.')[0] ?? f.field] = f.message;
    if (details?.field && err?.message) fields[details.field] = err.message;
    if (err?.code === 'INVALID_EVENTS' && err.message) fields.events = err.message;
    if (res.status === 401 && !path.startsWith('/api/auth/login')) onUnauthorized();
    if (err?.code === 'TWO_FACTOR_SETUP_REQUIRED' && !path.startsWith('/api/auth/login')) onTwoFactorSetupRequired();
    throw new ApiError(res.status, err?.code ?? 'HTTP_' + res.status, err?.message ?? `The server answered ${res.status}`, fields);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = (path: string) => api<void>('DELETE', path);

export function qs(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

// The API's own shapes, generated from the OpenAPI document (src/sdk/openapi-types.ts, `npm run sdk:types`):
// the dashboard never re-declares what the server promises. Type-only: nothing of the SDK is bundled.
// The calls themselves live in one module per resource under api/ (api/links.ts, api/webhooks.ts, …).
/** The JSON a path answers on success, e.g. `Answer<'/api/links/{id}', 'get'>`. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'patch' | 'delete'> = AnswerOf<P, M>;
/** The JSON body a path takes, e.g. `Body<'/api/links', 'post'>`. */
export type Body<P extends keyof paths, M extends 'post' | 'patch'> = BodyOf<P, M>;
type Schemas = components['schemas'];
export type Rule = Schemas['Rule'];
export type Link = Schemas['Link'];
/** A webhook as listed; `secret` only in the answer that created or rotated it. */
export type Webhook = Schemas['Webhook'] & { secret?: string };
export type Delivery = Schemas['Delivery'];
export type DeliveryDetail = Schemas['DeliveryDetail'];
export type TestResult = Schemas['TestSendResult'];
export type Workspace = Schemas['Workspace'];
export type Domain = Schemas['Domain'];
export type Member = Schemas['Member'];
export type ApiKey = Schemas['ApiKey'];
export type LinkMonitor = Schemas['LinkMonitor'];
export type Event = Schemas['Event'];
export type WebhookFormat = Schemas['Webhook']['format'];
export type EventType = Answer<'/api/event-types', 'get'>['data'][number];
export type WorkspaceChoice = Answer<'/api/auth/session', 'get'>['workspaces'][number];

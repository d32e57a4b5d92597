/** The dashboard calls the same public API as everyone, authenticated by the session cookie (same origin). */

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

export interface Rule {
  what: 'country' | 'device' | 'os' | 'rotator';
  matches?: string | string[];
  url: string;
  weight?: number;
}

export interface Link {
  id: string;
  domain: string;
  slug: string;
  short_url: string;
  url: string;
  title: string | null;
  tags: string[];
  expires_at: string | null;
  expired_url: string | null;
  max_clicks: number | null;
  geo_block: string[];
  rules: Rule[];
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  forward_params: boolean;
  block_bots: boolean;
  og_title: string | null;
  og_description: string | null;
  monitor: boolean;
  clicks: number;
  created_at: string;
  updated_at: string;
}

export type Retry = { mode: 'exponential'; schedule_s?: number[] } | { mode: 'none' };

export interface Webhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  link_ids: string[];
  filter: string | null;
  active: boolean;
  timeout_ms: number;
  retry: Retry;
  format: 'standard' | 'slack' | 'discord';
  headers: Record<string, string>;
  disabled_at: string | null;
  disabled_reason: string | null;
  created_at: string;
  secret?: string;
}

export interface WebhookHealth {
  webhook_id: string;
  last_attempt: { delivery_id: string; status_code: number | null; error: string | null; started_at: string } | null;
  deliveries_24h: number;
  success_rate_24h: number | null;
}

export interface Delivery {
  id: string;
  event_id: string;
  type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts_count: number;
  next_attempt_at: string | null;
  test: boolean;
  created_at: string;
}

export interface Attempt {
  attempt: number;
  status_code: number | null;
  response_time_ms: number | null;
  error: string | null;
  response_body: string | null;
  started_at: string;
}

export interface DeliveryDetail extends Delivery {
  request: { headers: Record<string, string>; body: string };
  attempts: Attempt[];
}

export interface EventType {
  type: string;
  description: string;
}

export interface TestResult {
  success: boolean;
  status_code: number | null;
  response_time_ms: number | null;
  error: string | null;
  response_body: string | null;
}

export interface Click {
  id: string;
  timestamp: string;
  country: string | null;
  city: string | null;
  device: string | null;
  os: string | null;
  browser: string | null;
  referrer_domain: string | null;
  bot: boolean;
  qr: boolean;
  destination: string;
}

export interface WorkspaceChoice {
  id: string;
  name: string;
  role: string;
  current: boolean;
}

export interface Workspace {
  id: string;
  name: string;
  plan: string;
  settings: { include_click_ip: boolean; excluded_ips: string[] };
}

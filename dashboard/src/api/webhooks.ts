/** The webhook calls (`/api/webhooks…`, `/api/webhook-…`): the list, one webhook, its deliveries, tests and replays, payload versions, formats. */
import { del, get, patch, post, qs, type Answer, type Delivery, type Page, type TestResult, type Webhook } from '../api';

export const listWebhooks = () => get<Page<Webhook>>('/api/webhooks?limit=100');
/** Each webhook's last attempt and 24-hour success rate. */
export const webhookHealth = () => get<Answer<'/api/webhook-health', 'get'>>('/api/webhook-health');
export const getWebhook = (id: string) => get<Webhook>(`/api/webhooks/${id}`);
/** The answer carries `secret`, shown only here (unless the caller chose its own). */
export const createWebhook = (body: Record<string, unknown>) => post<Webhook>('/api/webhooks', body);
export const setWebhookActive = (id: string, active: boolean) => patch<Webhook>(`/api/webhooks/${id}`, { active });
export const deleteWebhook = (id: string) => del(`/api/webhooks/${id}`);
/** Sends a sample event of `type` now and reports the endpoint's answer. */
export const sendTest = (id: string, type: string) => post<TestResult>(`/api/webhooks/${id}/test`, { type });
/** A new secret; the old one keeps signing alongside for `gracePeriodS`. */
export const rotateSecret = (id: string, gracePeriodS: number) => post<Answer<'/api/webhooks/{id}/rotate-secret', 'post'>>(`/api/webhooks/${id}/rotate-secret`, { grace_period_s: gracePeriodS });
/** Sends again every delivery since `since` (ISO) with `status`. */
export const replaySince = (id: string, since: string, status: string) => post<Answer<'/api/webhooks/{id}/replay', 'post'>>(`/api/webhooks/${id}/replay`, { since, status });

export interface DeliveryFilters {
  status: string;
  type: string;
}
/** One page of a webhook's deliveries, newest first. */
export const listDeliveries = (id: string, filters: DeliveryFilters, cursor: string | null, limit: number) =>
  get<Page<Delivery>>(`/api/webhooks/${id}/deliveries${qs({ status: filters.status, type: filters.type, cursor, limit })}`);

/** Whether a filter expression parses, and if not, why. */
export const checkFilter = (filter: string) => post<Answer<'/api/webhook-filters/check', 'post'>>('/api/webhook-filters/check', { filter });
/** Every format with its description and a sample body of `type`. */
export const webhookFormats = (type?: string) => get<Answer<'/api/webhook-formats', 'get'>>(`/api/webhook-formats${qs({ type })}`);

export interface PayloadVersions {
  /** Every payload version, oldest first. */
  versions: string[];
}

/** The payload versions the server knows (from `GET /api/event-types`). */
export async function payloadVersions(): Promise<PayloadVersions> {
  const answer = await get<Answer<'/api/event-types', 'get'>>('/api/event-types');
  return { versions: answer.versions };
}

/** The version after `current`, or null when it is the newest. */
export function nextVersion(versions: readonly string[], current: string): string | null {
  const at = versions.indexOf(current);
  return at >= 0 && at + 1 < versions.length ? versions[at + 1]! : null;
}

/** A sample body of `type` in `format`, as payload version `version` renders it. */
export async function samplePayload(format: string, type: string, version: string): Promise<string> {
  const answer = await get<Answer<'/api/webhook-formats', 'get'>>(`/api/webhook-formats${qs({ type, version })}`);
  return answer.data.find((f) => f.format === format)?.sample.body ?? '';
}

/** A test send in another version than the webhook's; the webhook is not changed. */
export const sendTestAtVersion = (webhookId: string, version: string, type?: string) =>
  post<TestResult>(`/api/webhooks/${webhookId}/test`, { payload_version: version, ...(type ? { type } : {}) });

export const setPayloadVersion = (webhookId: string, version: string) => patch<Webhook>(`/api/webhooks/${webhookId}`, { payload_version: version });

/** The broker URL prefixes the server accepts as a webhook URL (LINKWIRE_DESTINATIONS); empty: HTTPS only. */
export async function allowedDestinations(): Promise<string[]> {
  const answer = await get<Answer<'/api/webhook-formats', 'get'>>('/api/webhook-formats');
  return answer.destinations;
}

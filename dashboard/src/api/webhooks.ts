/** The webhook calls of the payload-version upgrade and of New Webhook's destination hint (docs/events.md, "Payload versions"). */
import { get, patch, post, qs, type EventType, type TestResult, type Webhook, type WebhookFormatInfo } from '../api';

export interface PayloadVersions {
  /** Every payload version, oldest first. */
  versions: string[];
}

/** The payload versions the server knows (from `GET /api/event-types`). */
export async function payloadVersions(): Promise<PayloadVersions> {
  const answer = await get<{ versions: string[]; data: EventType[] }>('/api/event-types');
  return { versions: answer.versions };
}

/** The version after `current`, or null when it is the newest. */
export function nextVersion(versions: readonly string[], current: string): string | null {
  const at = versions.indexOf(current);
  return at >= 0 && at + 1 < versions.length ? versions[at + 1]! : null;
}

/** A sample body of `type` in `format`, as payload version `version` renders it. */
export async function samplePayload(format: string, type: string, version: string): Promise<string> {
  const answer = await get<{ data: WebhookFormatInfo[] }>(`/api/webhook-formats${qs({ type, version })}`);
  return answer.data.find((f) => f.format === format)?.sample.body ?? '';
}

/** A test send in another version than the webhook's; the webhook is not changed. */
export const sendTestAtVersion = (webhookId: string, version: string, type?: string) =>
  post<TestResult>(`/api/webhooks/${webhookId}/test`, { payload_version: version, ...(type ? { type } : {}) });

export const setPayloadVersion = (webhookId: string, version: string) => patch<Webhook>(`/api/webhooks/${webhookId}`, { payload_version: version });

/** The broker URL prefixes the server accepts as a webhook URL (LINKWIRE_DESTINATIONS); empty: HTTPS only. */
export async function allowedDestinations(): Promise<string[]> {
  const answer = await get<{ destinations: string[] }>('/api/webhook-formats');
  return answer.destinations;
}

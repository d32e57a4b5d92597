import type { StoredEvent } from '../events/outbox.js';
import type { TransportRequest } from '../outbound/transport.js';
import type { DeliveryRequest } from './request.js';

/**
 * One attempt for the transport. A broker destination whose subject, stream, routing key or topic
 * names `{link_id}` also gets the event's link; no other one needs it, so its event is not parsed
 * for it (a JSON.parse of the whole event per attempt: 3 % of the worker's CPU to one broker).
 */
export function transportRequest(built: DeliveryRequest, event: StoredEvent, timeoutMs: number): TransportRequest {
  const request: TransportRequest = { url: built.url, method: 'POST', headers: built.headers, body: built.body, timeoutMs };
  // 'h': http(s), the hot path. `{link_id}` is stored as typed or percent-encoded; both spell link_id.
  if (built.url.charCodeAt(0) !== 104 && built.url.includes('link_id')) request.linkId = linkIdOf(event);
  return request;
}

function linkIdOf(event: StoredEvent): string | null {
  try {
    const data = JSON.parse(event.data) as { link?: { id?: unknown } } | null;
    return typeof data?.link?.id === 'string' ? data.link.id : null;
  } catch {
    return null;
  }
}

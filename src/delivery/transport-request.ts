import type { StoredEvent } from '../events/outbox.js';
import type { TransportRequest } from '../outbound/transport.js';
import type { DeliveryRequest } from './request.js';

/**
 * One attempt for the transport. A broker destination also gets the event's link, for `{link_id}`
 * in its subject or stream key; an HTTPS one does not need it, so its event is not parsed for it.
 */
export function transportRequest(built: DeliveryRequest, event: StoredEvent, timeoutMs: number): TransportRequest {
  const request: TransportRequest = { url: built.url, method: 'POST', headers: built.headers, body: built.body, timeoutMs };
  // 'h': http(s), the hot path.
  if (built.url.charCodeAt(0) !== 104) request.linkId = linkIdOf(event);
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

import type { Listener, Storage, Tx } from './storage.js';

/*
 * The named signals between processes (and the embedded worker thread): what each one means, what
 * its payload carries, who sends it and who listens. Every sender and listener goes through these
 * helpers, so "where is a cache invalidated across processes?" is answered here.
 *
 * PostgreSQL carries them with LISTEN/NOTIFY (postgres.ts: every channel again after a lost LISTEN
 * connection comes back, so listeners must tolerate a signal with nothing behind it); SQLite
 * between the threads of its one process (sqlite.ts). Sent through a transaction, a signal goes out
 * once it commits, never on rollback; sent through the storage, at once.
 */

/** A transaction (the signal goes out when it commits) or the storage itself (at once). */
export type SignalSender = Pick<Tx, 'notify'> | Pick<Storage, 'notify'>;
/** What listens: the storage (in-process, another thread's, or another process's NOTIFY). */
export type SignalSource = Pick<Storage, 'subscribe'>;
/** Stops listening. */
export type StopListening = () => void;

/**
 * `link_changed`: a link's redirect answer may differ (created, edited, enabled, deleted). Payload
 * `domain/slug`. Sent by links/link-service.ts. Heard by the redirect's link cache
 * (redirect/link-cache.ts drops that key), the expiry timer and the link monitor (look again).
 */
export function notifyLinkChanged(via: SignalSender, domain: string, slug: string): Promise<void> {
  return via.notify('link_changed', `${domain}/${slug}`);
}

/** `link_changed`: the listener gets the `domain/slug` key of the link. */
export function onLinkChanged(source: SignalSource, listener: (key: string) => void): StopListening {
  return source.subscribe('link_changed', listener);
}

/**
 * `domain_changed`: a custom domain was verified or removed. Payload its hostname. Sent by
 * domains/domain-service.ts. Heard by the redirect's domain directory (reloads) and link cache
 * (clears: a link's short URL may now be served elsewhere).
 */
export function notifyDomainChanged(via: SignalSender, hostname: string): Promise<void> {
  return via.notify('domain_changed', hostname);
}

/** `domain_changed`: the listener gets the hostname. */
export function onDomainChanged(source: SignalSource, listener: (hostname: string) => void): StopListening {
  return source.subscribe('domain_changed', listener);
}

/**
 * `workspace_changed`: a workspace's settings changed (its plan, which the redirect enforces).
 * Payload the workspace id. Sent by accounts/accounts-service.ts. Heard by the link cache (clears).
 */
export function notifyWorkspaceChanged(via: SignalSender, workspaceId: string): Promise<void> {
  return via.notify('workspace_changed', workspaceId);
}

/** `workspace_changed`: the listener gets the workspace id. */
export function onWorkspaceChanged(source: SignalSource, listener: (workspaceId: string) => void): StopListening {
  return source.subscribe('workspace_changed', listener);
}

/**
 * `webhook_changed`: a workspace's webhooks changed (created, edited, paused, deleted, disabled for
 * failing). Payload the workspace id; `''`: any workspace's. Sent by webhooks/webhook-service.ts and
 * the delivery result writer. Heard by fan-out's cache of active webhooks (delivery/active-webhooks.ts).
 */
export function notifyWebhooksChanged(via: SignalSender, workspaceId: string): Promise<void> {
  return via.notify('webhook_changed', workspaceId);
}

/** `webhook_changed`: the listener gets the workspace id, `''` for every workspace. */
export function onWebhooksChanged(source: SignalSource, listener: (workspaceId: string) => void): StopListening {
  return source.subscribe('webhook_changed', listener);
}

/** The `event_created` payload when the committing transaction fanned its events out itself. */
const ALREADY_FANNED_OUT = 'fanned-out';

/**
 * `event_created`: events were committed (events/outbox.ts). `fannedOut`: the outbox fanned them
 * out in the same transaction, so fan-out need not look. Heard by fan-out (delivery/fanout.ts) and
 * the live event stream (events/event-stream.ts).
 */
export function notifyEventsCreated(via: SignalSender, fannedOut: boolean): Promise<void> {
  return via.notify('event_created', fannedOut ? ALREADY_FANNED_OUT : '');
}

/** `event_created`: the listener learns whether fan-out already happened. */
export function onEventsCreated(source: SignalSource, listener: (fannedOut: boolean) => void): StopListening {
  return source.subscribe('event_created', (payload) => listener(payload === ALREADY_FANNED_OUT));
}

/**
 * `delivery_due`: deliveries became claimable now (fan-out, replays, test sends). No payload.
 * Heard by the delivery worker, which claims at once instead of at its next poll.
 */
export function notifyDeliveryDue(via: SignalSender): Promise<void> {
  return via.notify('delivery_due', '');
}

/** `delivery_due`. */
export function onDeliveryDue(source: SignalSource, listener: () => void): StopListening {
  const heard: Listener = () => listener();
  return source.subscribe('delivery_due', heard);
}

import type { Clock } from '../runtime/clock.js';
import { isPayloadVersion, PAYLOAD_VERSIONS, unknownVersionMessage } from '../events/payload-versions.js';
import { AppError, notFound, validationError } from '../errors.js';
import { isEventType } from '../events/event-types.js';
import { envelopeFromRow, storedEventFromEnvelope, type EventEnvelope } from '../events/outbox.js';
import { sampleEvent } from '../events/samples.js';
import type { IdSource } from '../runtime/ids.js';
import type { DeliveryTable } from '../storage/schema.js';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Storage } from '../storage/storage.js';
import { parseWebhookRow, readableWebhookUrl } from '../webhooks/webhook-model.js';
import { renderAttempt, renderDelivery, type Delivery } from './delivery-model.js';
import { findDelivery, insertTestSend, listAttempts, listDeliveries, requeueDelivery, requeueSince } from './delivery-store.js';
import { classifyResponse } from './outcome.js';
import { deliveryBody, loggedRequestHeaders, tryBuildDeliveryRequest, unsentResponse } from './request.js';
import type { DeliveryTransport } from '../outbound/transport.js';
import { transportRequest } from './transport-request.js';
import { notifyDeliveryDue } from '../storage/signals.js';

export interface DeliveryListQuery {
  status?: string | undefined;
  type?: string | undefined;
  limit: number;
  after: string | null;
}

/** Delivery logs, test sends and replays: the operations a person runs from the API or dashboard. */
export class DeliveryService {
  constructor(private readonly deps: { storage: Storage; clock: Clock; ids: IdSource; client: DeliveryTransport }) {}

  /**
   * Sends a sample event now and answers what the endpoint said; the send is logged as a test delivery.
   * Without a `type`, the sample is of the first type the webhook subscribes to (`link.clicked` for `*`),
   * so the endpoint gets something it expects; the answer says which type was sent.
   */
  async sendTest(workspaceId: string, webhookId: string, requestedType?: string, payloadVersion?: string) {
    const { storage, clock, ids, client } = this.deps;
    if (requestedType !== undefined && !isEventType(requestedType)) throw validationError(`type "${requestedType}" is not an event type`, { field: 'type' });
    if (payloadVersion !== undefined && !isPayloadVersion(payloadVersion)) throw validationError(unknownVersionMessage('payload_version', payloadVersion), { field: 'payload_version', versions: PAYLOAD_VERSIONS });
    const row = await storage.db.selectFrom('webhooks').selectAll().where('id', '=', webhookId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw notFound('Webhook');
    const webhook = parseWebhookRow(row);
    const type = requestedType ?? (webhook.events === '*' ? 'link.clicked' : (webhook.events.find(isEventType) ?? 'link.clicked'));
    const envelope = sampleEvent(type, workspaceId, ids, clock.now());
    const deliveryId = ids.next('dlv');
    const startedAt = clock.now();
    const event = storedEventFromEnvelope(envelope);
    const built = tryBuildDeliveryRequest({ webhook, event, deliveryId, attempt: 1, nowMs: startedAt, ...(payloadVersion !== undefined ? { payloadVersion } : {}) });
    const request = 'error' in built ? null : built;
    const response = request
      ? await client.send(transportRequest(request, event, webhook.timeoutMs))
      : unsentResponse((built as { error: string }).error);
    const outcome = classifyResponse(response, clock.now());
    const error = outcome.kind === 'failed' ? outcome.reason : null;
    const now = clock.now();
    await storage.transaction((tx) =>
      insertTestSend(tx, {
        deliveryId,
        attemptId: ids.next('att'),
        workspaceId,
        webhookId,
        eventId: envelope.id,
        eventType: envelope.type,
        body: JSON.stringify(envelope),
        succeeded: outcome.kind === 'succeeded',
        startedAt,
        finishedAt: now,
        statusCode: response.statusCode,
        responseTimeMs: Math.round(response.responseTimeMs),
        error,
        responseBody: response.body === '' ? null : response.body,
        requestHeaders: JSON.stringify(request ? loggedRequestHeaders(request.headers) : {}),
      }),
    );
    return {
      success: outcome.kind === 'succeeded',
      status_code: response.statusCode,
      response_time_ms: Math.round(response.responseTimeMs),
      error,
      response_body: response.body === '' ? null : response.body,
      delivery_id: deliveryId,
      event_id: envelope.id,
      type: envelope.type,
    };
  }

  async list(workspaceId: string, webhookId: string, query: DeliveryListQuery): Promise<DeliveryTable[]> {
    await this.requireWebhook(workspaceId, webhookId);
    return listDeliveries(this.deps.storage, workspaceId, webhookId, query);
  }

  async detail(workspaceId: string, id: string) {
    const { storage } = this.deps;
    const row = await this.findRow(workspaceId, id);
    const attempts = await listAttempts(storage, id);
    const envelope = await this.envelopeOf(row);
    const hook = await storage.db.selectFrom('webhooks').selectAll().where('id', '=', row.webhook_id).executeTakeFirst();
    const last = attempts[attempts.length - 1];
    return {
      ...renderDelivery(row),
      request: {
        url: hook ? readableWebhookUrl(hook.url) : null,
        // Masked again on the way out: attempts logged before values were masked at write time.
        headers: last ? loggedRequestHeaders(JSON.parse(last.request_headers) as Record<string, string>) : {},
        body: envelope && hook ? deliveryBody(parseWebhookRow(hook).format, parseWebhookRow(hook).payloadVersion, storedEventFromEnvelope(envelope)) : null,
      },
      attempts: attempts.map(renderAttempt),
    };
  }

  /** Queues the delivery again (same event, so the same `webhook-id`), due now. */
  async replay(workspaceId: string, id: string): Promise<Delivery> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    return storage.transaction(async (tx) => {
      const row = await findDelivery(tx, workspaceId, id);
      if (!row) throw notFound('Delivery');
      await this.requireActive(tx.db, workspaceId, row.webhook_id);
      if (row.status === 'pending' && row.lease_until !== null && row.lease_until > now) {
        throw new AppError('CONFLICT', 'This delivery is being sent right now');
      }
      const updated = { ...row, status: 'pending', next_attempt_at: now, lease_until: null, lease_owner: null, updated_at: now };
      await requeueDelivery(tx, id, now);
      await notifyDeliveryDue(tx);
      return renderDelivery(updated);
    });
  }

  /** Replays a webhook's deliveries created since a time: the failed ones by default. */
  async replaySince(workspaceId: string, webhookId: string, since: string, status: 'failed' | 'succeeded' | 'all' = 'failed'): Promise<{ replayed: number }> {
    const { storage, clock } = this.deps;
    const from = Date.parse(since);
    if (Number.isNaN(from)) throw validationError('since must be an ISO-8601 date-time', { field: 'since' });
    await this.requireWebhook(workspaceId, webhookId);
    const now = clock.now();
    return storage.transaction(async (tx) => {
      await this.requireActive(tx.db, workspaceId, webhookId);
      const replayed = await requeueSince(tx, workspaceId, webhookId, from, status, now);
      if (replayed > 0) await notifyDeliveryDue(tx);
      return { replayed };
    });
  }

  /**
   * A replay to a switched-off endpoint would never be sent (the worker skips inactive webhooks),
   * so it is refused with a 409 that says how to turn the endpoint back on, rather than answering success.
   */
  private async requireActive(db: Kysely<Database>, workspaceId: string, webhookId: string): Promise<void> {
    const hook = await db.selectFrom('webhooks').select(['active', 'disabled_reason']).where('id', '=', webhookId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!hook) throw notFound('Webhook');
    if (hook.active === 1) return;
    const why = hook.disabled_reason ? `was switched off (${hook.disabled_reason})` : 'is paused';
    throw new AppError('CONFLICT', `This webhook ${why}, so nothing would be sent: turn it back on with PATCH /api/webhooks/${webhookId} {"active": true}, then replay`, {
      webhook_id: webhookId,
      active: false,
    });
  }

  private async requireWebhook(workspaceId: string, webhookId: string): Promise<void> {
    const hook = await this.deps.storage.db.selectFrom('webhooks').select('id').where('id', '=', webhookId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!hook) throw notFound('Webhook');
  }

  private async findRow(workspaceId: string, id: string): Promise<DeliveryTable> {
    const row = await findDelivery(this.deps.storage, workspaceId, id);
    if (!row) throw notFound('Delivery');
    return row;
  }

  private async envelopeOf(row: DeliveryTable): Promise<EventEnvelope | null> {
    if (row.is_test === 1) return row.body ? (JSON.parse(row.body) as EventEnvelope) : null;
    const event = await this.deps.storage.db.selectFrom('events_full').selectAll().where('id', '=', row.event_id).executeTakeFirst();
    return event ? envelopeFromRow(event) : null;
  }
}

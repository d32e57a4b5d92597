import type { Queryable } from '../../storage/storage.js';

/** What one test send did: the sample event sent, when, and what the endpoint answered. */
export interface TestSendRecord {
  deliveryId: string;
  attemptId: string;
  workspaceId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /** The sample envelope as JSON: a test event is not in the events table, so the delivery keeps its body. */
  body: string;
  succeeded: boolean;
  startedAt: number;
  finishedAt: number;
  statusCode: number | null;
  responseTimeMs: number;
  error: string | null;
  responseBody: string | null;
  requestHeaders: string;
}

/**
 * Logs a test send as a finished delivery (`is_test`, never due, never claimed) with its one attempt,
 * so it shows in the delivery log like any other. Run it in one transaction.
 */
export async function insertTestSend(on: Queryable, send: TestSendRecord): Promise<void> {
  await on.db
    .insertInto('deliveries')
    .values({
      id: send.deliveryId,
      workspace_id: send.workspaceId,
      webhook_id: send.webhookId,
      event_id: send.eventId,
      event_type: send.eventType,
      status: send.succeeded ? 'succeeded' : 'failed',
      attempts_count: 1,
      next_attempt_at: null,
      lease_until: null,
      lease_owner: null,
      is_test: 1,
      body: send.body,
      created_at: send.startedAt,
      updated_at: send.finishedAt,
    })
    .execute();
  await on.db
    .insertInto('delivery_attempts')
    .values({
      id: send.attemptId,
      delivery_id: send.deliveryId,
      workspace_id: send.workspaceId,
      attempt: 1,
      started_at: send.startedAt,
      status_code: send.statusCode,
      response_time_ms: send.responseTimeMs,
      error: send.error,
      response_body: send.responseBody,
      request_headers: send.requestHeaders,
      worker_id: null,
    })
    .execute();
}

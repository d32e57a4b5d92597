import { Type, type Static } from '@sinclair/typebox';
import { toIso, toIsoOrNull } from '../runtime/clock.js';
import { Id, Nullable, Timestamp } from '../schemas/common.js';
import type { DeliveryAttemptTable, DeliveryTable } from '../storage/schema.js';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const DeliverySchema = Type.Object({
  id: Id('dlv'),
  webhook_id: Id('wh'),
  event_id: Id('evt'),
  type: Type.String(),
  status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts_count: Type.Integer(),
  next_attempt_at: Nullable(Timestamp),
  test: Type.Boolean(),
  created_at: Timestamp,
});
export type Delivery = Static<typeof DeliverySchema>;

export const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  status_code: Nullable(Type.Integer()),
  response_time_ms: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  response_body: Nullable(Type.String()),
  started_at: Timestamp,
});

export function renderDelivery(row: DeliveryTable): Delivery {
  return {
    id: row.id,
    webhook_id: row.webhook_id,
    event_id: row.event_id,
    type: row.event_type,
    status: row.status as Delivery['status'],
    attempts_count: row.attempts_count,
    next_attempt_at: row.status === 'pending' ? toIsoOrNull(row.next_attempt_at) : null,
    test: row.is_test === 1,
    created_at: toIso(row.created_at),
  };
}

export function renderAttempt(row: DeliveryAttemptTable) {
  return {
    attempt: row.attempt,
    status_code: row.status_code,
    response_time_ms: row.response_time_ms,
    error: row.error,
    response_body: row.response_body,
    started_at: toIso(row.started_at),
  };
}

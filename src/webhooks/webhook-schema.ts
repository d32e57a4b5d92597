import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';

export const RetrySchema = Type.Union([
  Type.Object(
    {
      mode: Type.Literal('exponential'),
      schedule_s: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 * 86_400 }), { minItems: 1, maxItems: 20 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ mode: Type.Literal('none') }, { additionalProperties: false }),
]);

export const WebhookFormatSchema = Type.Union([Type.Literal('standard'), Type.Literal('slack'), Type.Literal('discord')]);

/** A webhook as the API shows it (never with its secret, except on create and rotation). */
export const WebhookSchema = Type.Object({
  id: Id('wh'),
  name: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  link_ids: Type.Array(Type.String()),
  filter: Nullable(Type.String()),
  active: Type.Boolean(),
  timeout_ms: Type.Integer(),
  retry: RetrySchema,
  format: WebhookFormatSchema,
  headers: Type.Record(Type.String(), Type.String()),
  disabled_reason: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Webhook = Static<typeof WebhookSchema>;

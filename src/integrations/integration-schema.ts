import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from '../schemas/common.js';

export const IntegrationSchema = Type.Object({
  id: Id('int'),
  type: Type.String(),
  name: Type.String(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  created_at: Timestamp,
});
export type Integration = Static<typeof IntegrationSchema>;

/**
 * An integration as events carry it (`integration.connected`): never its `settings`, which hold
 * what connects it (a Slack webhook URL, an API token) and would reach every webhook receiver,
 * every event stream and the event log. The API (`GET /api/integrations/:id`) still shows them.
 */
export const IntegrationEventSchema = Type.Object(
  {
    id: Id('int'),
    type: Type.String(),
    name: Type.String(),
    created_at: Timestamp,
  },
  { additionalProperties: false },
);
export type IntegrationEventData = Static<typeof IntegrationEventSchema>;

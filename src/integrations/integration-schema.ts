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

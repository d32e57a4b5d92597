import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';

export const DomainSchema = Type.Object({
  id: Id('dom'),
  hostname: Type.String(),
  verified: Type.Boolean(),
  verification: Type.Object({ type: Type.Literal('TXT'), name: Type.String(), value: Type.String() }),
  verified_at: Nullable(Timestamp),
  verification_error: Nullable(
    Type.String({ description: 'Why the last check did not verify it: the TXT value found, none, or that another workspace verified the hostname first' }),
  ),
  created_at: Timestamp,
});
export type Domain = Static<typeof DomainSchema>;

import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';

/** A conversion's free-form details, as the shop sent them (at most METADATA_MAX_BYTES of JSON). */
const Metadata = Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'What the shop sent as `metadata`, or null' }));
export const METADATA_MAX_BYTES = 4096;

export const LeadSchema = Type.Object({
  id: Id('lead'),
  customer_id: Type.String(),
  event_name: Type.String(),
  metadata: Metadata,
  link_id: Id('lnk'),
  click_id: Id('clk'),
  created_at: Timestamp,
});
export type Lead = Static<typeof LeadSchema>;

export const SaleSchema = Type.Object({
  id: Id('sale'),
  customer_id: Type.String(),
  amount: Type.Integer({ description: 'In the currency’s minor units (cents for EUR and USD, yen for JPY)' }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, upper case' }),
  invoice_id: Nullable(Type.String({ description: 'The shop’s invoice: a second sale with the same one is the same sale' })),
  event_name: Type.String(),
  metadata: Metadata,
  link_id: Id('lnk'),
  click_id: Id('clk'),
  lead_id: Id('lead'),
  created_at: Timestamp,
});
export type Sale = Static<typeof SaleSchema>;

export const CustomerSchema = Type.Object({ id: Type.String({ description: 'The shop’s own customer id, as sent to /api/track/*' }) }, { additionalProperties: false });

const CustomerId = Type.String({ minLength: 1, maxLength: 200, description: 'The shop’s own id for the customer (any text)' });
const EventName = Type.String({ minLength: 1, maxLength: 100 });
const MetadataInput = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { description: `Free-form details (at most ${METADATA_MAX_BYTES} bytes of JSON)` });

export const TrackLeadBody = Type.Object(
  {
    click_id: Type.String({ minLength: 1, maxLength: 64, description: 'The `lw_click_id` the visitor arrived with' }),
    customer_id: CustomerId,
    event_name: Type.Optional(EventName),
    metadata: Type.Optional(MetadataInput),
  },
  { additionalProperties: false },
);
export type TrackLeadInput = Static<typeof TrackLeadBody>;

export const TrackSaleBody = Type.Object(
  {
    customer_id: CustomerId,
    amount: Type.Integer({ minimum: 0, maximum: 1e13, description: 'In minor units (cents): 1999 is 19.99 EUR' }),
    currency: Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217 (EUR, USD, JPY, …)' }),
    invoice_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    event_name: Type.Optional(EventName),
    metadata: Type.Optional(MetadataInput),
  },
  { additionalProperties: false },
);
export type TrackSaleInput = Static<typeof TrackSaleBody>;

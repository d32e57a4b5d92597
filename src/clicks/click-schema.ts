import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';

/** The `click` object of click events (docs/events.md). Unknown values are null. */
export const ClickSchema = Type.Object({
  id: Id('clk'),
  timestamp: Timestamp,
  country: Nullable(Type.String({ pattern: '^[A-Z]{2}$' })),
  city: Nullable(Type.String()),
  is_eu_country: Type.Boolean(),
  device: Nullable(Type.String()),
  os: Nullable(Type.String()),
  browser: Nullable(Type.String()),
  referrer: Nullable(Type.String()),
  referrer_domain: Nullable(Type.String()),
  bot: Type.Boolean(),
  bot_name: Nullable(Type.String()),
  destination: Type.String(),
  params: Type.Record(Type.String(), Type.String()),
  qr: Type.Boolean(),
  user_agent: Nullable(Type.String()),
  ip: Nullable(Type.String()),
});
export type Click = Static<typeof ClickSchema>;

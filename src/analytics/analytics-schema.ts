import { Type } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';

const TopValue = Type.Object({ value: Nullable(Type.String({ description: 'null: unknown (for referrers: direct visits)' })), clicks: Type.Integer() });

export const AnalyticsSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  timezone: Type.String({ description: "The workspace's time zone: day buckets start at its local midnight" }),
  bots: Type.Boolean({ description: 'Whether the bots let through are counted' }),
  total: Type.Integer(),
  series: Type.Array(Type.Object({ t: Timestamp, clicks: Type.Integer() }), {
    description: 'One bucket per local day, or per hour, from the one holding `from`; zero-filled; each counts only clicks within [from, to)',
  }),
  top: Type.Object({
    links: Type.Array(Type.Object({ link_id: Id('lnk'), short_url: Nullable(Type.String({ description: 'null once the link is deleted' })), url: Nullable(Type.String()), clicks: Type.Integer() })),
    countries: Type.Array(TopValue),
    cities: Type.Array(Type.Object({ city: Type.String(), country: Nullable(Type.String()), clicks: Type.Integer() })),
    devices: Type.Array(TopValue),
    browsers: Type.Array(TopValue),
    os: Type.Array(TopValue),
    referrers: Type.Array(TopValue),
    utm_sources: Type.Array(TopValue),
    utm_mediums: Type.Array(TopValue),
    utm_campaigns: Type.Array(TopValue),
  }),
  leads: Type.Integer({ description: 'Leads (POST /api/track/lead) made within [from, to) on these links' }),
  sales: Type.Integer({ description: 'Sales (POST /api/track/sale) made within [from, to) on these links; an invoice counts once' }),
  revenue: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Integer(), { description: 'Those sales’ amounts per ISO 4217 currency, in minor units (cents): `{"EUR": 4900}`' }),
  orphan_visits: Nullable(
    Type.Integer({ description: 'Visits to unknown slugs (or the root) of the workspace’s verified domains within [from, to), bots per `bots`; null when filtered by link, domain or tag' }),
  ),
});

/** The query of `GET /api/analytics` and its export (docs/analytics.md). */
export const AnalyticsQueryString = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO-8601 timestamp, or a date (YYYY-MM-DD: its local midnight in the workspace time zone). Default: 30 local days ago' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO-8601 timestamp (exclusive), or a date (YYYY-MM-DD: that whole local day included). Default: now' })),
  interval: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')], { description: 'Series buckets (default: hour for ranges up to 2 days, else day)' })),
  link_id: Type.Optional(Type.String({ maxLength: 64 })),
  domain: Type.Optional(Type.String({ maxLength: 253 })),
  tag: Type.Optional(Type.String({ maxLength: 100 })),
  bots: Type.Optional(Type.Boolean({ description: 'Count the bots let through (default false)' })),
});

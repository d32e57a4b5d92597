import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';
import { LINK_LIMITS } from './link-limits.js';

export const SLUG_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
// Lengths and counts are checked in link-input.ts against LINK_LIMITS (after normalisation),
// so the schema only caps what is absurd before any work is done.
const Url = Type.String({ minLength: 1, maxLength: 8192 });
const Country = Type.String({ pattern: '^[A-Za-z]{2}$' });
const ShortText = (max: number) => Nullable(Type.String({ maxLength: max }));

export const RuleSchema = Type.Object(
  {
    what: Type.Union([Type.Literal('country'), Type.Literal('device'), Type.Literal('os'), Type.Literal('rotator')]),
    // The documented limit itself (docs/links.md), so the OpenAPI document states it too.
    matches: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: LINK_LIMITS.matchesPerRule })])),
    url: Url,
    weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'rotator: the percentage of visits sent to this url' })),
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof RuleSchema>;

/** Bounds of a traffic alert (src/analytics/traffic-alerts.ts): checked again, in words, by link-input.ts. */
export const ALERT_LIMITS = { perLink: 5, minClicks: 1, maxClicks: 1_000_000_000, minWindowS: 60, maxWindowS: 86_400 } as const;

export const AlertSchema = Type.Object(
  {
    clicks: Type.Integer({ description: `Fire when the link's people-clicks within the window reach this number (${ALERT_LIMITS.minClicks}–${ALERT_LIMITS.maxClicks})` }),
    window_s: Type.Integer({ description: `The sliding window, in seconds (${ALERT_LIMITS.minWindowS}–${ALERT_LIMITS.maxWindowS})` }),
  },
  { additionalProperties: false },
);
export type Alert = Static<typeof AlertSchema>;

const editable = {
  url: Url,
  domain: Type.String({ minLength: 1, maxLength: 253 }),
  slug: Type.String({ pattern: SLUG_PATTERN }),
  title: ShortText(500),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 25 }),
  expires_at: Nullable(Type.String({ format: 'date-time' })),
  expired_url: Nullable(Url),
  max_clicks: Nullable(Type.Integer({ minimum: 1 })),
  geo_block: Type.Array(Country, { maxItems: 250 }),
  rules: Type.Array(RuleSchema, { maxItems: 1000 }),
  utm_source: ShortText(200),
  utm_medium: ShortText(200),
  utm_campaign: ShortText(200),
  utm_term: ShortText(200),
  utm_content: ShortText(200),
  forward_params: Type.Boolean(),
  block_bots: Type.Boolean(),
  og_title: ShortText(300),
  og_description: ShortText(1000),
  monitor: Type.Boolean(),
  enabled: Type.Boolean({ description: 'false: the short URL answers 404 and records nothing (default true)' }),
  cloaking: Type.Boolean({
    description: 'true: the short URL serves the destination in a full-page frame; refused (400) when a destination forbids framing (X-Frame-Options or CSP frame-ancestors)',
  }),
  public_analytics: Type.Boolean({ description: 'true: the link’s stats page (`<short url>+`) is public, no login (default false)' }),
  track_conversions: Type.Boolean({ description: 'true: the redirect appends `lw_click_id=<clk_…>` to the destination, for POST /api/track/lead (default false)' }),
  alerts: Type.Array(AlertSchema, {
    maxItems: 20,
    description: `Traffic alerts: \`analytics.threshold\` fires when the link's people-clicks within \`window_s\` seconds reach \`clicks\`, at most once per window (at most ${ALERT_LIMITS.perLink})`,
  }),
};

const optionalAll = Type.Partial(Type.Object(editable)).properties;

export const CreateLinkBody = Type.Object({ ...optionalAll, url: Url }, { additionalProperties: false });
export type CreateLinkInput = Static<typeof CreateLinkBody>;

export const UpdateLinkBody = Type.Object(optionalAll, { additionalProperties: false, minProperties: 1 });
export type UpdateLinkInput = Static<typeof UpdateLinkBody>;

export const LinkSchema = Type.Object({
  id: Id('lnk'),
  workspace_id: Id('ws'),
  domain: Type.String(),
  slug: Type.String(),
  short_url: Type.String(),
  url: Type.String(),
  title: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  expires_at: Nullable(Timestamp),
  expired_url: Nullable(Type.String()),
  max_clicks: Nullable(Type.Integer()),
  geo_block: Type.Array(Type.String()),
  rules: Type.Array(RuleSchema),
  utm_source: Nullable(Type.String()),
  utm_medium: Nullable(Type.String()),
  utm_campaign: Nullable(Type.String()),
  utm_term: Nullable(Type.String()),
  utm_content: Nullable(Type.String()),
  forward_params: Type.Boolean(),
  block_bots: Type.Boolean(),
  og_title: Nullable(Type.String()),
  og_description: Nullable(Type.String()),
  monitor: Type.Boolean(),
  enabled: Type.Boolean(),
  cloaking: Type.Boolean(),
  public_analytics: Type.Boolean(),
  track_conversions: Type.Boolean(),
  alerts: Type.Array(AlertSchema),
  created_by: Type.Union([Id('usr'), Type.Null()], {
    description: 'The user who made the link (made with an API key: the user who made the key); null when unknown',
  }),
  clicks: Type.Integer({ minimum: 0, description: "People's clicks (bots excluded)" }),
  bot_clicks: Type.Integer({ minimum: 0, description: 'Clicks by bots that were let through (crawlers and excluded IPs are not counted at all)' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Link = Static<typeof LinkSchema>;

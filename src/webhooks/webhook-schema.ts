import { Type, type Static } from '@sinclair/typebox';
import { PAYLOAD_VERSIONS } from '../events/payload-versions.js';
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
/** How a webhook retries failed deliveries; the delays are computed in delivery/retry-policy.ts. */
export type RetryPolicy = Static<typeof RetrySchema>;

export const WebhookFormatSchema = Type.Union(
  [
    Type.Literal('standard'),
    Type.Literal('slack'),
    Type.Literal('discord'),
    Type.Literal('awsys'),
    Type.Literal('nobsredir'),
    Type.Literal('linkzly'),
    Type.Literal('snip'),
    Type.Literal('linkly'),
  ],
  {
    description:
      'standard (the Linkwire envelope), slack / discord (a chat message), or another shortener’s dialect: awsys, nobsredir, linkzly, snip, linkly (docs/migrating/). Inferred from `events` when they use one service’s names.',
  },
);
export type WebhookFormat = Static<typeof WebhookFormatSchema>;

/** A payload version (SPEC §5c, docs/events.md "Payload versions"). */
export const PayloadVersionSchema = Type.Union(
  PAYLOAD_VERSIONS.map((v) => Type.Literal(v)),
  { description: 'The payload version the webhook is pinned to: the shape of what it receives, sent as webhook-version with each delivery (docs/events.md, "Payload versions")' },
);

export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_GRACE_PERIOD_S = 7 * 86_400;

/** A webhook as the API shows it (never with its secret, except on create and rotation). */
export const WebhookSchema = Type.Object({
  id: Id('wh'),
  name: Type.String(),
  url: Type.String({ description: 'Where deliveries go; a broker destination\'s credentials are shown masked (docs/destinations.md)' }),
  events: Type.Array(Type.String(), { description: 'Event types, or ["*"] for all of them' }),
  link_ids: Type.Array(Type.String(), { description: 'Only events about these links; empty for the whole workspace' }),
  filter: Nullable(Type.String()),
  active: Type.Boolean(),
  timeout_ms: Type.Integer(),
  retry: RetrySchema,
  format: WebhookFormatSchema,
  payload_version: PayloadVersionSchema,
  headers: Type.Record(Type.String(), Type.String(), { description: 'Custom request headers; values masked (write-only), e.g. "••••1a2b"' }),
  disabled_at: Nullable(Timestamp),
  disabled_reason: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Webhook = Static<typeof WebhookSchema>;

/** The create answer: the webhook plus the secret, which the API shows only here and on rotation. */
export const WebhookWithSecretSchema = Type.Composite([WebhookSchema, Type.Object({ secret: Type.String() })]);
export type WebhookWithSecret = Webhook & { secret: string };

// Lengths of `url` and `filter` are checked by their own validators, so their errors carry
// INVALID_URL and the filter's syntax position rather than a generic schema message.
const editable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  url: Type.String({ minLength: 1, description:
      'HTTPS, at most 2048 characters, not a private address; or a broker destination whose prefix is in LINKWIRE_DESTINATIONS: redis://host:port/<db>?stream=<key>[&maxlen=<n>] (Redis Streams) or nats://host:port/<subject> (NATS JetStream), `{link_id}`/`{type}` replaced per event (docs/destinations.md). Credentials in a broker URL are masked on read.',
  }),
  events: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100, description: 'event types (see docs/events.md), or ["*"]' }),
  filter: Nullable(Type.String({ description: 'See docs/webhook-filters.md; "" or null removes it' })),
  active: Type.Boolean(),
  timeout_ms: Type.Integer({ minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS }),
  retry: RetrySchema,
  format: WebhookFormatSchema,
  // Any string here: webhook-input.ts answers an unknown version with a 400 naming the known ones.
  payload_version: Type.String({ maxLength: 40, description: `The payload version deliveries have (${PAYLOAD_VERSIONS.join(', ')}); default on create: the newest. Sent as the webhook-version header (docs/events.md, "Payload versions")` }),
  headers: Type.Record(Type.String(), Type.String(), {
    description: 'At most 20 custom request headers. Values are write-only: reads show them masked ("••••1a2b"); sending a masked value back keeps the stored one',
  }),
};
const LinkIds = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 });

const { url: _url, events: _events, ...optionalFields } = editable;

/** A secret the caller brings (checked in webhook-input.ts, so the message can say what is wrong). */
const CallerSecret = Type.String({
  maxLength: 256,
  description:
    'Your own signing secret instead of a generated one (e.g. the one your receiver already has from another service): 16–256 printable ASCII characters. Without the `whsec_` prefix it is used as raw UTF-8 bytes for every signature, Standard Webhooks included',
});

export const CreateLinkWebhookBody = Type.Object(
  {
    url: editable.url,
    events: editable.events,
    ...Type.Partial(Type.Object(optionalFields)).properties,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Defaults to the URL’s host' })),
    secret: Type.Optional(CallerSecret),
  },
  { additionalProperties: false },
);
export type CreateLinkWebhookInput = Static<typeof CreateLinkWebhookBody>;

export const CreateWebhookBody = Type.Object(
  { ...CreateLinkWebhookBody.properties, link_ids: Type.Optional(LinkIds) },
  { additionalProperties: false },
);
export type CreateWebhookInput = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  { ...Type.Partial(Type.Object(editable)).properties, link_ids: Type.Optional(LinkIds) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookInput = Static<typeof UpdateWebhookBody>;

export const RotateSecretBody = Type.Object(
  {
    grace_period_s: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_GRACE_PERIOD_S, description: 'How long the old secret keeps signing too (default 0)' }),
    ),
  },
  { additionalProperties: false },
);

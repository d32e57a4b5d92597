import { AwsysPayloadSchema, LinklyPayloadSchema, LinkzlyPayloadSchema, NobsredirPayloadSchema, SnipPayloadSchema } from '../webhooks/formats/payload-schemas.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AnalyticsSchema } from '../analytics/analytics-schema.js';
import { ApiKeySchema, MemberSchema, UserSchema, WorkspaceSchema } from '../accounts/account-schema.js';
import { ClickSchema } from '../clicks/click-schema.js';
import { AttemptSchema, DeliverySchema } from '../delivery/delivery-model.js';
import { DomainSchema } from '../domains/domain-schema.js';
import { ActorSchema } from '../events/actor.js';
import { EVENT_TYPES, eventTypesForVersion, LinkSummarySchema } from '../events/catalog.js';
import { PAYLOAD_VERSIONS, type PayloadVersion } from '../events/payload-versions.js';
import { IntegrationSchema } from '../integrations/integration-schema.js';
import { LeadSchema, SaleSchema } from '../conversions/conversion-schema.js';
import { LinkSchema, RuleSchema } from '../links/link-schema.js';
import { Id, Nullable, Timestamp } from '../schemas/common.js';
import { RetrySchema, WebhookSchema, WebhookWithSecretSchema } from '../webhooks/webhook-schema.js';
import { ErrorSchema } from './refs.js';

/**
 * The named schemas of the OpenAPI document (`#/components/schemas/<Name>`). Routes point at them
 * with `ref('Name')` in their `response` schemas; the document and the SDK types are generated from
 * them. Domain modules own the schemas; this module only names them for the API surface.
 */

const Envelope = (type: string, data: TSchema) =>
  Type.Object({
    id: Id('evt'),
    type: Type.Literal(type),
    timestamp: Timestamp,
    workspace_id: Id('ws'),
    actor: ActorSchema,
    data,
  });

/** `link.clicked` → `LinkClickedEvent`: the component name of one event type's envelope. */
export function eventComponentName(type: string): string {
  return type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('') + 'Event';
}

const eventEnvelopes = Object.fromEntries(EVENT_TYPES.map((e) => [eventComponentName(e.type), Envelope(e.type, e.schema)]));

/**
 * The component of an event type's envelope as payload version `version` shapes it: the plain one
 * (`LinkClickedEvent`) where the version changes nothing, else one named after the version
 * (`LinkClickedEvent_2027_01_01`).
 */
export function versionedEventComponentName(type: string, version: PayloadVersion): string {
  const plain = eventComponentName(type);
  return `${plain}_${version.replace(/-/g, '_')}` in versionedEnvelopes ? `${plain}_${version.replace(/-/g, '_')}` : plain;
}

const versionedEnvelopes: Record<string, TSchema> = Object.fromEntries(
  PAYLOAD_VERSIONS.flatMap((version) =>
    eventTypesForVersion(version)
      .filter((def) => def !== EVENT_TYPES.find((e) => e.type === def.type))
      .map((def) => [`${eventComponentName(def.type)}_${version.replace(/-/g, '_')}`, Envelope(def.type, def.schema)] as const),
  ),
);

export const LinkStatsSchema = Type.Object({
  link_id: Id('lnk'),
  interval: Type.String(),
  granularity: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  start: Timestamp,
  end: Timestamp,
  totals: Type.Object({
    clicks: Type.Integer(),
    qr: Type.Integer(),
    bots: Type.Integer(),
    unique_countries: Type.Integer(),
    unique_referrers: Type.Integer(),
  }),
  timeseries: Type.Array(Type.Object({ start: Timestamp, clicks: Type.Integer() })),
  countries: Type.Array(Type.Object({ country: Nullable(Type.String()), clicks: Type.Integer() })),
  devices: Type.Array(Type.Object({ device: Nullable(Type.String()), clicks: Type.Integer() })),
  browsers: Type.Array(Type.Object({ browser: Nullable(Type.String()), clicks: Type.Integer() })),
  os: Type.Array(Type.Object({ os: Nullable(Type.String()), clicks: Type.Integer() })),
  referrers: Type.Array(Type.Object({ referrer_domain: Nullable(Type.String()), clicks: Type.Integer() })),
});

export const LinkMonitorSchema = Type.Object({
  link_id: Id('lnk'),
  monitor: Type.Boolean(),
  url: Type.String(),
  status: Type.Union([Type.Literal('off'), Type.Literal('pending'), Type.Literal('healthy'), Type.Literal('broken')]),
  consecutive_failures: Type.Integer(),
  last_checked_at: Nullable(Timestamp),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  status_changed_at: Nullable(Timestamp),
  next_check_at: Nullable(Timestamp),
});

export const DeliveryDetailSchema = Type.Composite([
  DeliverySchema,
  Type.Object({
    request: Type.Object({
      url: Nullable(Type.String()),
      headers: Type.Record(Type.String(), Type.String()),
      body: Nullable(Type.String({ description: 'The exact body sent (the envelope, or a chat message for slack/discord formats)' })),
    }),
    attempts: Type.Array(AttemptSchema),
  }),
]);

export const TestSendResultSchema = Type.Object({
  success: Type.Boolean(),
  status_code: Nullable(Type.Integer()),
  response_time_ms: Type.Integer(),
  error: Nullable(Type.String()),
  response_body: Nullable(Type.String()),
  delivery_id: Id('dlv'),
  event_id: Id('evt'),
  type: Type.String({ description: 'The event type sent: the one asked for, else the first the webhook subscribes to' }),
});

export const EventTypeSchema = Type.Object({
  type: Type.String(),
  description: Type.String(),
  schema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the event’s `data`' }),
});

export const SCHEMAS = {
  Error: ErrorSchema,
  Link: LinkSchema,
  Rule: RuleSchema,
  LinkStats: LinkStatsSchema,
  Analytics: AnalyticsSchema,
  LinkMonitor: LinkMonitorSchema,
  Click: ClickSchema,
  Webhook: WebhookSchema,
  WebhookWithSecret: WebhookWithSecretSchema,
  Retry: RetrySchema,
  Delivery: DeliverySchema,
  DeliveryDetail: DeliveryDetailSchema,
  Attempt: AttemptSchema,
  TestSendResult: TestSendResultSchema,
  Domain: DomainSchema,
  Member: MemberSchema,
  ApiKey: ApiKeySchema,
  ApiKeyWithKey: Type.Composite([ApiKeySchema, Type.Object({ key: Type.String({ description: 'The key itself, shown only in this answer' }) })]),
  User: UserSchema,
  Workspace: WorkspaceSchema,
  Integration: IntegrationSchema,
  EventType: EventTypeSchema,
  Lead: LeadSchema,
  Sale: SaleSchema,
  // The bodies of the other services' formats (docs/webhooks.md, "Other services' formats").
  AwsysPayload: AwsysPayloadSchema,
  NobsredirPayload: NobsredirPayloadSchema,
  LinkzlyPayload: LinkzlyPayloadSchema,
  SnipPayload: SnipPayloadSchema,
  LinklyPayload: LinklyPayloadSchema,
  ...eventEnvelopes,
  LinkSummary: LinkSummarySchema,
  ...versionedEnvelopes,
  Event: Type.Union(
    Object.keys(eventEnvelopes).map((name) => Type.Unsafe({ $ref: name })),
    { description: 'The envelope of every event, in the API and in every delivery body; `type` tells which `data` it carries' },
  ),
} as const satisfies Record<string, TSchema>;

export type ComponentName = keyof typeof SCHEMAS;

type Schemas = typeof SCHEMAS;

/** A reference to a named component, typed as the component's static type for the route's handler. */
export function ref<N extends ComponentName>(name: N, description?: string) {
  return Type.Unsafe<Static<Schemas[N]>>({ $ref: name, ...(description ? { description } : {}) });
}

/** `{ data: [...], next_cursor }` of a component. */
export function listOf<N extends ComponentName>(name: N, description?: string) {
  return Type.Object(
    { data: Type.Array(ref(name)), next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last' })) },
    description ? { description } : {},
  );
}

import { Type, type TSchema } from '@sinclair/typebox';
import { ApiKeySchema, MemberSchema, RoleSchema, WorkspaceSchema } from '../accounts/account-schema.js';
import { ClickSchema } from '../clicks/click-schema.js';
import { DomainSchema } from '../domains/domain-schema.js';
import { IntegrationEventSchema } from '../integrations/integration-schema.js';
import { AlertSchema, LinkSchema } from '../links/link-schema.js';
import { CustomerSchema, LeadSchema, SaleSchema } from '../conversions/conversion-schema.js';
import { OrphanClickSchema } from '../clicks/orphan-visit-schema.js';
import { Nullable, Timestamp } from '../schemas/common.js';
import { WebhookSchema } from '../webhooks/webhook-schema.js';
import type { PayloadVersion } from './payload-versions.js';
import type { EVENT_TYPE_LIST } from './event-types.js';

export interface EventTypeDefinition {
  readonly type: string;
  readonly description: string;
  /** JSON Schema of the event's `data`. */
  readonly schema: TSchema;
}

const strict = { additionalProperties: false } as const;
const LinkData = Type.Object({ link: LinkSchema }, strict);
const LinkClickData = Type.Object({ link: LinkSchema, click: ClickSchema }, strict);
const DomainData = Type.Object({ domain: DomainSchema }, strict);
const MemberData = Type.Object({ member: MemberSchema }, strict);
const TwoFactorChangeData = Type.Object({ user_id: Type.String(), email: Type.String(), ip: Nullable(Type.String()), user_agent: Nullable(Type.String()) }, strict);
const PlanChangeData = Type.Object({ workspace: WorkspaceSchema, previous_plan: Type.String() }, strict);
const CheckData = Type.Object(
  {
    link: LinkSchema,
    check: Type.Object({ status_code: Nullable(Type.Integer()), error: Nullable(Type.String()), checked_at: Timestamp }, strict),
  },
  strict,
);

/** Every event Linkwire emits (docs/events.md). The order here is the order `/api/event-types` lists them. */
export const EVENT_TYPES = Object.freeze([
  { type: 'link.clicked', description: 'A counted click on a short link (crawlers and excluded IPs are not counted).', schema: LinkClickData },
  { type: 'qr.scanned', description: 'A counted click that came from the link’s QR code (?qr=1); link.clicked fires too.', schema: LinkClickData },
  { type: 'link.created', description: 'A link was created, singly or in bulk.', schema: LinkData },
  {
    type: 'link.updated',
    description: 'A link was changed; `previous` holds the old values of the changed fields.',
    schema: Type.Object({ link: LinkSchema, previous: Type.Record(Type.String(), Type.Unknown()) }, strict),
  },
  { type: 'link.deleted', description: 'A link was deleted, singly or in bulk (one event per link).', schema: LinkData },
  { type: 'link.expired', description: 'The first visit after the link’s expires_at.', schema: LinkData },
  { type: 'link.limit_reached', description: 'The click that reached the link’s max_clicks.', schema: LinkData },
  { type: 'link.geo_blocked', description: 'A visit from a country the link blocks (answered 451).', schema: LinkClickData },
  { type: 'link.broken', description: 'A monitored link’s destination started failing its health checks.', schema: CheckData },
  { type: 'link.recovered', description: 'A monitored link’s destination works again.', schema: CheckData },
  {
    type: 'analytics.milestone',
    description: 'A link’s counted clicks reached 100, 1 000, 10 000, 100 000, …',
    schema: Type.Object({ link: LinkSchema, milestone: Type.Integer({ minimum: 100 }) }, strict),
  },
  { type: 'domain.added', description: 'A custom domain was added (not yet verified).', schema: DomainData },
  { type: 'domain.verified', description: 'A custom domain’s DNS TXT record was found; it now serves links.', schema: DomainData },
  { type: 'domain.removed', description: 'A custom domain was removed.', schema: DomainData },
  { type: 'member.added', description: 'A member (or a pending invite) was added to the workspace.', schema: MemberData },
  { type: 'member.removed', description: 'A member left or was removed from the workspace.', schema: MemberData },
  {
    type: 'member.role_changed',
    description: 'A member’s role changed; `previous_role` is the old one.',
    schema: Type.Object({ member: MemberSchema, previous_role: RoleSchema }, strict),
  },
  { type: 'api_key.created', description: 'An API key was created (the key itself is never included).', schema: Type.Object({ api_key: ApiKeySchema }, strict) },
  {
    type: 'integration.connected',
    description: 'An integration (Slack, Zapier, …) was connected. Carries its id, type, name and created_at; never its settings (credentials).',
    schema: Type.Object({ integration: IntegrationEventSchema }, strict),
  },
  { type: 'account.upgraded', description: 'The workspace moved to a higher plan.', schema: PlanChangeData },
  { type: 'account.downgraded', description: 'The workspace moved to a lower plan.', schema: PlanChangeData },
  {
    type: 'security.login_failed',
    description: 'A failed login for a member of the workspace.',
    schema: Type.Object({ email: Type.String(), ip: Nullable(Type.String()), user_agent: Nullable(Type.String()) }, strict),
  },
  // Teams (issue 22).
  {
    type: 'security.password_reset',
    description: 'A member set a new password with a reset link; their other sessions ended. Never carries the link or its token.',
    schema: Type.Object(
      {
        user_id: Type.String(),
        email: Type.String(),
        ip: Nullable(Type.String()),
        user_agent: Nullable(Type.String()),
        sessions_ended: Type.Integer({ minimum: 0, description: 'How many other sessions of the user were ended' }),
      },
      strict,
    ),
  },
  {
    type: 'security.2fa_enabled',
    description: 'A member turned two-factor sign-in on for their account. Never carries the secret or any code.',
    schema: TwoFactorChangeData,
  },
  {
    type: 'security.2fa_disabled',
    description: 'A member turned two-factor sign-in off for their account (with a current or a recovery code). Never carries the secret or any code.',
    schema: TwoFactorChangeData,
  },
  { type: 'webhook.disabled', description: 'An endpoint was switched off after failing for too long.', schema: Type.Object({ webhook: WebhookSchema }, strict) },
  // Conversions, orphan visits and traffic alerts (issue 23).
  {
    type: 'link.not_found',
    description:
      'A visit to an unknown slug (or to the root, when no root URL is set) of one of the workspace’s verified domains: an orphan visit. At most one event per slug per minute; every visit is recorded.',
    schema: Type.Object(
      { domain: Type.String(), slug: Nullable(Type.String({ description: 'null: the domain’s root (/)' })), click: OrphanClickSchema },
      strict,
    ),
  },
  {
    type: 'lead.created',
    description: 'POST /api/track/lead: a customer who arrived with a click converted (a sign-up); carries the click and its link.',
    schema: Type.Object({ link: LinkSchema, click: ClickSchema, customer: CustomerSchema, lead: LeadSchema }, strict),
  },
  {
    type: 'sale.created',
    description: 'POST /api/track/sale: a sale attributed to the customer’s lead, its click and link (once per invoice_id).',
    schema: Type.Object({ link: LinkSchema, click: ClickSchema, customer: CustomerSchema, sale: SaleSchema }, strict),
  },
  {
    type: 'analytics.threshold',
    description: 'A link’s people-clicks (bots excluded) within one of its alert windows reached the alert’s number; at most once per window.',
    schema: Type.Object({ link: LinkSchema, threshold: AlertSchema, count: Type.Integer({ minimum: 1, description: 'People-clicks within the window when it fired' }) }, strict),
  },
] as const satisfies readonly EventTypeDefinition[]);

/** The catalog's names, in its order; `_inStep` fails to compile when they differ from event-types.ts. */
type NamesOf<T> = { readonly [K in keyof T]: T[K] extends { readonly type: infer N } ? N : never };
type InStep = [NamesOf<typeof EVENT_TYPES>, typeof EVENT_TYPE_LIST] extends [typeof EVENT_TYPE_LIST, NamesOf<typeof EVENT_TYPES>] ? true : never;
const _inStep: InStep = true;

/** The link in click-carrying events from payload version 2027-01-01 on (events/payload-versions.ts). */
export const LinkSummarySchema = Type.Object(
  {
    id: LinkSchema.properties.id,
    domain: Type.String(),
    slug: Type.String(),
    url: Type.String(),
    short_url: Type.String(),
    title: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
  },
  { ...strict, description: 'The link, summarised (payload version 2027-01-01 on): GET /api/links/:id has the rest' },
);

/** The catalog as payload version `version` shapes each event's `data` (SPEC §5c). */
export function eventTypesForVersion(version: PayloadVersion): readonly EventTypeDefinition[] {
  if (version === '2026-12-01') return EVENT_TYPES;
  return EVENT_TYPES.map((def) => {
    const properties = (def.schema as { properties?: Record<string, TSchema> }).properties;
    if (!properties || !('link' in properties) || !('click' in properties)) return def;
    return { ...def, schema: Type.Object({ ...properties, link: LinkSummarySchema }, strict) };
  });
}

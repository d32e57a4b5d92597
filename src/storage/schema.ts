/*
 * The tables as the database holds them, and `Database`, Kysely's map of them all (the account
 * tables are in account-tables.ts, the conversions' in conversion-tables.ts). Both dialects store the same shapes:
 * times as integer milliseconds since the epoch, booleans as 0/1, structured values as JSON text,
 * so a row reads the same from SQLite and PostgreSQL.
 */

import type {
  ApiKeyTable,
  AuthTokenTable,
  InviteTable,
  LoginAttemptTable,
  MembershipTable,
  OidcLoginTable,
  RecoveryCodeTable,
  RequestThrottleTable,
  SessionTable,
  TwoFactorTable,
  UserTable,
  WorkspaceTable,
} from './account-tables.js';
import type { LeadTable, SaleTable } from './conversion-tables.js';

export interface DomainTable {
  id: string;
  workspace_id: string;
  hostname: string;
  verified: number;
  verification_token: string;
  verified_at: number | null;
  last_checked_at: number | null;
  created_at: number;
  /** Why the last DNS check did not verify the domain (what TXT was found, or that another workspace won); null once verified. */
  verification_error: string | null;
}

export interface LinkTable {
  id: string;
  workspace_id: string;
  domain: string;
  slug: string;
  url: string;
  title: string | null;
  tags: string;
  expires_at: number | null;
  expired_url: string | null;
  max_clicks: number | null;
  geo_block: string;
  rules: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  forward_params: number;
  block_bots: number;
  og_title: string | null;
  og_description: string | null;
  monitor: number;
  /** People's clicks; the bots let through are in `bot_clicks` (migration 016). */
  clicks: number;
  bot_clicks: number;
  expired_notified: number;
  limit_notified: number;
  created_at: number;
  updated_at: number;
  /** The user who made it (an API key's owner), or null (migration 013). */
  created_by: string | null;
  /** 0: the short URL answers 404 and nothing is recorded. */
  enabled: number;
  /** 1: the short URL serves the destination in a full-page frame. */
  cloaking: number;
  public_analytics: number;
  /** 1: the redirect appends `lw_click_id` to the destination (migration 019). */
  track_conversions: number;
  /** JSON `[{clicks, window_s}]`: traffic alerts (src/analytics/traffic-alerts.ts). */
  alerts: string;
}

export interface LinkTagTable {
  link_id: string;
  workspace_id: string;
  tag: string;
}

export interface ClickTable {
  id: string;
  workspace_id: string;
  link_id: string;
  timestamp: number;
  country: string | null;
  city: string | null;
  is_eu_country: number;
  device: string | null;
  os: string | null;
  browser: string | null;
  referrer: string | null;
  referrer_domain: string | null;
  bot: number;
  bot_name: string | null;
  qr: number;
  destination: string;
  params: string;
  user_agent: string | null;
  ip: string | null;
}

/** Clicks per scope (a link id, or '*' for the workspace), UTC hour and bot flag (src/storage/click-rollups.ts). */
export interface AnalyticsHourTable {
  workspace_id: string;
  scope: string;
  hour: number;
  bot: number;
  clicks: number;
}

/** Clicks per scope, period (`span` days from `day`), dimension value and bot flag; '' is an unknown value. */
export interface AnalyticsDayTable {
  workspace_id: string;
  scope: string;
  span: number;
  day: number;
  dim: string;
  value: string;
  bot: number;
  clicks: number;
}

export interface EventTable {
  id: string;
  workspace_id: string;
  type: string;
  link_id: string | null;
  timestamp: number;
  data: string;
  /** Who caused it, as JSON text `{type, id, email?}`; null when no person or key did (migration 013). */
  actor: string | null;
  /**
   * A click event's link, as a version in `link_versions` (its hash), and the link's click count at
   * that click; `data` then holds the rest (`{"click": …}`). Null for every other event (migration 022).
   * Read events through `events_full`, which puts `data` back together.
   */
  link_version?: string | null;
  link_clicks?: number | null;
}

/** The `events_full` view: events with `data` whole again, whatever shape it was stored in (migration 022). */
export interface EventFullView {
  id: string;
  workspace_id: string;
  type: string;
  link_id: string | null;
  timestamp: number;
  data: string;
  actor: string | null;
}

/** One version of a link's API object, stored once for all the click events that carried it (migration 022). */
export interface LinkVersionTable {
  link_id: string;
  /** Content hash of `head` and `tail`. */
  hash: string;
  /** The link's JSON up to its click count… */
  head: string;
  /** …and after it. */
  tail: string;
  /** When an event last referenced it (ms). */
  used_at: number;
}

/** Events not yet turned into deliveries; a row leaves in the same transaction that creates them. */
export interface EventFanoutTable {
  event_id: string;
  created_at: number;
}

/** An event's deliveries to stalled endpoints, not yet written (migration 012). */
export interface EventFanoutDeferredTable {
  event_id: string;
  /** JSON array of webhook ids. */
  webhook_ids: string;
  created_at: number;
}

export interface WebhookTable {
  id: string;
  workspace_id: string;
  name: string;
  url: string;
  events: string;
  filter: string | null;
  active: number;
  timeout_ms: number;
  retry: string;
  format: string;
  headers: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  consecutive_failures: number;
  failing_since: number | null;
  disabled_at: number | null;
  disabled_reason: string | null;
  /** The payload version the webhook is pinned to (migration 022). */
  payload_version: string;
  created_at: number;
  updated_at: number;
}

export interface WebhookLinkTable {
  webhook_id: string;
  link_id: string;
  workspace_id: string;
}

export interface DeliveryTable {
  id: string;
  workspace_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts_count: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  lease_owner: string | null;
  is_test: number;
  /** Only for test deliveries, whose sample event is not in the outbox. */
  body: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeliveryAttemptTable {
  id: string;
  delivery_id: string;
  workspace_id: string;
  attempt: number;
  started_at: number;
  status_code: number | null;
  response_time_ms: number | null;
  error: string | null;
  response_body: string | null;
  request_headers: string;
  /** Which worker process sent it (null for test sends from the API). */
  worker_id: string | null;
}

export interface MailOutboxTable {
  id: string;
  workspace_id: string | null;
  kind: string;
  recipient: string;
  /** JSON: what the mail is about; never a secret (links with tokens are minted at sending). */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  leased_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface IntegrationTable {
  id: string;
  workspace_id: string;
  type: string;
  name: string;
  settings: string;
  created_by: string | null;
  created_at: number;
}

/** Health-check state of one monitored link (see src/monitoring/). */
export interface LinkMonitorTable {
  link_id: string;
  workspace_id: string;
  status: string;
  consecutive_failures: number;
  last_checked_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  status_changed_at: number | null;
  next_check_at: number;
  claim_token: string | null;
  created_at: number;
}

/** How far a click journal has been moved into the database (see src/clicks/journal/). */
export interface JournalOffsetTable {
  journal_id: string;
  segment: number;
  byte_offset: number;
  updated_at: number;
}

/** Settings the instance remembers between starts (014_instance_settings.ts). */
export interface InstanceSettingTable {
  key: string;
  value: string;
  updated_at: number;
}

/** A visit to an unknown slug ('' for the root) of a workspace's verified domain (src/clicks/orphan-visits.ts). */
export interface OrphanVisitTable {
  id: string;
  workspace_id: string;
  domain: string;
  slug: string;
  timestamp: number;
  country: string | null;
  city: string | null;
  is_eu_country: number;
  device: string | null;
  os: string | null;
  browser: string | null;
  referrer: string | null;
  referrer_domain: string | null;
  bot: number;
  bot_name: string | null;
  params: string;
  user_agent: string | null;
  ip: string | null;
}

/** When `link.not_found` last fired for a slug of a workspace (its rate limit). */
export interface OrphanNoticeTable {
  workspace_id: string;
  slug: string;
  notified_at: number;
}

/** People-clicks per link and UTC second, for links with traffic alerts (src/analytics/traffic-alerts.ts). */
export interface AlertSecondTable {
  link_id: string;
  second: number;
  clicks: number;
}

/** The second a link's alert last fired. */
export interface AlertFireTable {
  link_id: string;
  clicks: number;
  window_s: number;
  fired_second: number;
}

export interface Database {
  workspaces: WorkspaceTable;
  users: UserTable;
  memberships: MembershipTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  domains: DomainTable;
  links: LinkTable;
  link_tags: LinkTagTable;
  clicks: ClickTable;
  analytics_hours: AnalyticsHourTable;
  analytics_days: AnalyticsDayTable;
  events: EventTable;
  events_full: EventFullView;
  link_versions: LinkVersionTable;
  event_fanout: EventFanoutTable;
  event_fanout_deferred: EventFanoutDeferredTable;
  webhooks: WebhookTable;
  webhook_links: WebhookLinkTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  invites: InviteTable;
  mail_outbox: MailOutboxTable;
  auth_tokens: AuthTokenTable;
  request_throttles: RequestThrottleTable;
  integrations: IntegrationTable;
  login_attempts: LoginAttemptTable;
  link_monitors: LinkMonitorTable;
  journal_offsets: JournalOffsetTable;
  instance_settings: InstanceSettingTable;
  leads: LeadTable;
  sales: SaleTable;
  orphan_visits: OrphanVisitTable;
  orphan_notices: OrphanNoticeTable;
  alert_seconds: AlertSecondTable;
  alert_fires: AlertFireTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodeTable;
  oidc_logins: OidcLoginTable;
}

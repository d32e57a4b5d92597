import { toIso } from '../runtime/clock.js';
import type { WorkspaceTable } from '../storage/account-tables.js';
import type { Workspace, WorkspaceSettings } from './account-schema.js';

export const DEFAULT_SETTINGS: WorkspaceSettings = Object.freeze({ include_click_ip: false, excluded_ips: [], endpoint_alerts: true, timezone: 'UTC', require_2fa: false, sso_auto_join_domains: [] });

export function parseSettings(text: string): WorkspaceSettings {
  const parsed = JSON.parse(text) as Partial<WorkspaceSettings>;
  return {
    include_click_ip: parsed.include_click_ip ?? false,
    excluded_ips: parsed.excluded_ips ?? [],
    endpoint_alerts: parsed.endpoint_alerts ?? true,
    timezone: parsed.timezone ?? 'UTC',
    require_2fa: parsed.require_2fa ?? false,
    sso_auto_join_domains: parsed.sso_auto_join_domains ?? [],
  };
}

export function renderWorkspace(row: WorkspaceTable): Workspace {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    settings: parseSettings(row.settings),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

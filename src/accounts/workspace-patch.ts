import { validationError } from '../errors.js';
import { parseCidr } from '../net/cidr.js';
import { canonicalTimeZone } from '../runtime/time-zone.js';
import type { WorkspaceSettings } from './account-schema.js';
import { isEmailDomain } from './email-address.js';
import type { PlanTable } from './plans.js';

/** A change to a workspace (PATCH /api/workspace, `linkwire admin set-plan`): what is absent stays. */
export interface WorkspacePatch {
  name?: string | undefined;
  plan?: string | undefined;
  settings?: { include_click_ip?: boolean | undefined; excluded_ips?: string[] | undefined; endpoint_alerts?: boolean | undefined; timezone?: string | undefined; sso_auto_join_domains?: string[] | undefined; require_2fa?: boolean | undefined } | undefined;
}

/**
 * Checks a patch before anything is read or written (VALIDATION_ERROR naming the field) and
 * answers how it changes the workspace's settings: time zones in their canonical spelling, SSO
 * domains lower case without `@`, each once.
 */
export function readWorkspacePatch(patch: WorkspacePatch, plans: PlanTable): (settings: WorkspaceSettings) => void {
  if (patch.plan !== undefined && !plans.get(patch.plan)) {
    throw validationError(`plan must be one of ${plans.names().join(', ')}`, { field: 'plan' });
  }
  const excluded = patch.settings?.excluded_ips;
  if (excluded) {
    const bad = excluded.filter((c) => !isCidr(c));
    if (bad.length) throw validationError(`settings.excluded_ips has invalid CIDRs: ${bad.join(', ')}`, { field: 'settings.excluded_ips', invalid: bad });
  }
  const timezone = patch.settings?.timezone;
  if (timezone !== undefined && canonicalTimeZone(timezone) === null) {
    throw validationError(`settings.timezone must be an IANA time zone name such as Europe/Paris or UTC (got "${timezone}")`, { field: 'settings.timezone' });
  }
  const joinDomains = patch.settings?.sso_auto_join_domains?.map((d) => d.trim().toLowerCase().replace(/^@/, ''));
  if (joinDomains) {
    const bad = joinDomains.filter((d) => !isEmailDomain(d));
    if (bad.length) throw validationError(`settings.sso_auto_join_domains must be email domains such as acme.com; not: ${bad.join(', ')}`, { field: 'settings.sso_auto_join_domains', invalid: bad });
  }
  return (settings) => {
    if (joinDomains) settings.sso_auto_join_domains = [...new Set(joinDomains)];
    if (timezone !== undefined) settings.timezone = canonicalTimeZone(timezone)!;
    if (patch.settings?.include_click_ip !== undefined) settings.include_click_ip = patch.settings.include_click_ip;
    if (excluded) settings.excluded_ips = excluded;
    if (patch.settings?.endpoint_alerts !== undefined) settings.endpoint_alerts = patch.settings.endpoint_alerts;
    if (patch.settings?.require_2fa !== undefined) settings.require_2fa = patch.settings.require_2fa;
  };
}

function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

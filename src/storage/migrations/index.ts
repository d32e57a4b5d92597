import type { Migration } from 'kysely';
import { initial } from './001_initial.js';
import { membersIntegrations } from './002_members_integrations.js';
import { linkMonitoring } from './003_link_monitoring.js';
import { deliveryClaims } from './004_delivery_claims.js';
import { normalisedDestinations } from './005_normalised_destinations.js';
import { loginAttempts } from './006_login_attempts.js';
import { domainClaims } from './007_domain_claims.js';
import { eventStreamPosition } from './008_event_stream_position.js';
import { journalOffsets } from './009_journal_offsets.js';
import { pendingDeliveryIndexes } from './011_pending_delivery_indexes.js';
import { deferredFanout } from './012_deferred_fanout.js';
import { linkFieldsAndActor } from './013_link_fields_and_actor.js';
import { instanceSettings } from './014_instance_settings.js';
import { teams } from './015_teams.js';
import { analytics } from './016_analytics.js';
import { conversions } from './019_conversions.js';
import { twoFactor } from './020_two_factor.js';
import { sso } from './021_sso.js';
import { linkVersions } from './022_link_versions.js';

/** Every migration, in order. Names are permanent: never rename or reorder a landed one. */
export const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '002_members_integrations': membersIntegrations,
  '003_link_monitoring': linkMonitoring,
  '004_delivery_claims': deliveryClaims,
  '005_normalised_destinations': normalisedDestinations,
  '006_login_attempts': loginAttempts,
  '007_domain_claims': domainClaims,
  '008_event_stream_position': eventStreamPosition,
  '009_journal_offsets': journalOffsets,
  '011_pending_delivery_indexes': pendingDeliveryIndexes,
  '012_deferred_fanout': deferredFanout,
  '013_link_fields_and_actor': linkFieldsAndActor,
  '014_instance_settings': instanceSettings,
  '015_teams': teams,
  '016_analytics': analytics,
  '019_conversions': conversions,
  '020_two_factor': twoFactor,
  '021_sso': sso,
  '022_link_versions': linkVersions,
};

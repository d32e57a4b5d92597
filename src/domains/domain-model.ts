import { toIso, toIsoOrNull } from '../runtime/clock.js';
import type { DomainTable } from '../storage/schema.js';
import type { Domain } from './domain-schema.js';

export const VERIFICATION_PREFIX = 'linkwire-verify=';

export const verificationName = (hostname: string): string => `_linkwire.${hostname}`;
export const verificationValue = (row: Pick<DomainTable, 'verification_token'>): string => `${VERIFICATION_PREFIX}${row.verification_token}`;

export function renderDomain(row: DomainTable): Domain {
  return {
    id: row.id,
    hostname: row.hostname,
    verified: row.verified === 1,
    verification: { type: 'TXT', name: verificationName(row.hostname), value: verificationValue(row) },
    verified_at: toIsoOrNull(row.verified_at),
    verification_error: row.verification_error,
    created_at: toIso(row.created_at),
  };
}

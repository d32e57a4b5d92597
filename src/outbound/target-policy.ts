import type { CidrSet } from '../net/cidr.js';
import { blockedRangeOf } from '../net/blocked-ranges.js';

export interface TargetPolicy {
  /** Private addresses the operator allows; also the only ones plain http may reach. */
  allowPrivate: CidrSet;
  /** Let http reach public addresses too (link monitoring); webhooks keep it false. */
  allowPublicHttp: boolean;
}

/**
 * Delivery-time vetting of every address a target host resolved to. One bad answer
 * refuses the whole target: which answer gets used is not ours to predict.
 * Returns the refusal message, or null when every address may be reached.
 *
 * `hostname` is null for a literal-address URL (the message then names just the address).
 */
export function refuseAddresses(protocol: string, hostname: string | null, addresses: readonly string[], policy: TargetPolicy): string | null {
  const where = (address: string) => (hostname === null ? address : `${hostname} resolves to ${address}`);
  for (const address of addresses) {
    const allowed = policy.allowPrivate.has(address);
    const range = allowed ? null : blockedRangeOf(address);
    if (range !== null) return `target blocked: ${where(address)} (${range})`;
    if (protocol === 'http:' && !allowed && !policy.allowPublicHttp) {
      return `target blocked: http is allowed only to addresses in LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS (${where(address)})`;
    }
  }
  return null;
}

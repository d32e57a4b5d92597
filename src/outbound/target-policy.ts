import type { CidrSet } from '../net/cidr.js';
import { blockedRangeOf, type BlockedRange } from '../net/blocked-ranges.js';

export interface TargetPolicy {
  /** Private addresses the operator allows; also the only ones plain http may reach. */
  allowPrivate: CidrSet;
  /** Let http reach public addresses too (link monitoring); webhooks keep it false. */
  allowPublicHttp: boolean;
}

/** What the policy says about one address, whatever name led to it. */
interface AddressVerdict {
  /** Inside LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS. */
  allowed: boolean;
  /** The blocked range it falls in (null when public or allowed). */
  range: BlockedRange | null;
}

/**
 * Delivery-time vetting of every address a target host resolved to. One bad answer
 * refuses the whole target: which answer gets used is not ours to predict.
 * Returns the refusal message, or null when every address may be reached.
 *
 * `hostname` is null for a literal-address URL (the message then names just the address).
 */
export function refuseAddresses(protocol: string, hostname: string | null, addresses: readonly string[], policy: TargetPolicy): string | null {
  return refuseVerdicts(protocol, hostname, addresses, policy, (address) => verdictOf(address, policy));
}

/**
 * refuseAddresses for one client's fixed policy, remembering each address's verdict: the same few
 * receiver addresses come back at every delivery, and the allow-list and range checks are the same
 * work every time. A verdict depends only on the address and the policy, never on time or DNS.
 */
export function createAddressVetter(policy: TargetPolicy): (protocol: string, hostname: string | null, addresses: readonly string[]) => string | null {
  const verdicts = new Map<string, AddressVerdict>();
  const remembered = (address: string): AddressVerdict => {
    let verdict = verdicts.get(address);
    if (verdict === undefined) {
      // Bounded: a stream of ever-new addresses (a hostile DNS server) must not grow it forever.
      if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
      verdict = verdictOf(address, policy);
      verdicts.set(address, verdict);
    }
    return verdict;
  };
  return (protocol, hostname, addresses) => refuseVerdicts(protocol, hostname, addresses, policy, remembered);
}

const MAX_REMEMBERED = 4096;

function verdictOf(address: string, policy: TargetPolicy): AddressVerdict {
  const allowed = policy.allowPrivate.has(address);
  return { allowed, range: allowed ? null : blockedRangeOf(address) };
}

function refuseVerdicts(
  protocol: string,
  hostname: string | null,
  addresses: readonly string[],
  policy: TargetPolicy,
  verdictFor: (address: string) => AddressVerdict,
): string | null {
  for (const address of addresses) {
    const { allowed, range } = verdictFor(address);
    if (range !== null) return `target blocked: ${where(hostname, address)} (${range})`;
    if (protocol === 'http:' && !allowed && !policy.allowPublicHttp) {
      return `target blocked: http is allowed only to addresses in LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS (${where(hostname, address)})`;
    }
  }
  return null;
}

function where(hostname: string | null, address: string): string {
  return hostname === null ? address : `${hostname} resolves to ${address}`;
}

import type { Rule } from '../links/link-schema.js';
import type { CachedLink } from './cached-link.js';

export interface Visitor {
  country: string | null;
  device: string | null;
  os: string | null;
}

/**
 * The first rule that matches the visitor wins; rotator rules form one pool that is drawn from at
 * the position of the first of them. Rotator weights are percentages of visits and the link's own
 * URL takes the rest (docs/links.md). No match → the link's own URL.
 */
export function pickDestination(link: Pick<CachedLink, 'url' | 'rules'>, visitor: Visitor, random: () => number = Math.random): string {
  let rotatorSeen = false;
  for (const rule of link.rules) {
    if (rule.what === 'rotator') {
      if (rotatorSeen) continue;
      rotatorSeen = true;
      return drawRotator(link.rules.filter((r) => r.what === 'rotator'), link.url, random);
    }
    if (matches(rule, visitor)) return rule.url;
  }
  return link.url;
}

function matches(rule: Rule, visitor: Visitor): boolean {
  const values = Array.isArray(rule.matches) ? rule.matches : rule.matches ? [rule.matches] : [];
  switch (rule.what) {
    case 'country':
      return visitor.country !== null && values.includes(visitor.country);
    case 'device':
      return visitor.device !== null && values.includes(visitor.device.toLowerCase());
    case 'os': {
      const os = visitor.os?.toLowerCase();
      return os !== undefined && values.some((v) => os === v || os.replace(/\s+/g, '') === v.replace(/\s+/g, ''));
    }
    default:
      return false;
  }
}

function drawRotator(pool: Rule[], ownUrl: string, random: () => number): string {
  // Links stored before weights were percentages may add up to more than 100: then they share all visits.
  const total = Math.max(100, pool.reduce((sum, r) => sum + (r.weight ?? 0), 0));
  let pick = random() * total;
  for (const rule of pool) {
    pick -= rule.weight ?? 0;
    if (pick < 0) return rule.url;
  }
  return ownUrl;
}

/**
 * UTM parameters set on the link are added (without overriding ones already in the destination);
 * with forward_params the visitor's query string is merged in (visitor values win).
 */
export function buildDestination(destination: string, link: Pick<CachedLink, 'utm' | 'forwardParams'>, visitorParams: URLSearchParams | null): string {
  if (link.utm.length === 0 && (!link.forwardParams || !visitorParams || [...visitorParams.keys()].length === 0)) return destination;
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return destination;
  }
  for (const [key, value] of link.utm) if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  if (link.forwardParams && visitorParams) {
    for (const key of new Set(visitorParams.keys())) {
      if (key === 'qr') continue;
      url.searchParams.delete(key);
      for (const value of visitorParams.getAll(key)) url.searchParams.append(key, value);
    }
  }
  return url.toString();
}

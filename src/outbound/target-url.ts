import { literalAddressOf } from '../net/host-literal.js';

/** A target URL taken apart once: what every send to it needs, without parsing it again. */
export interface ParsedTarget {
  protocol: 'https:' | 'http:';
  /** `https://hooks.example.com:8443`: the site, as the Host header and TLS name see it. */
  origin: string;
  /** Path and query, as sent on the request line. */
  path: string;
  /** The host name as WHATWG URL normalised it (lower-case, punycode); for messages and DNS. */
  hostname: string;
  /** A literal-address URL's bare IP address, as the one-address list every send to it uses; null for a name. */
  literal: readonly [string] | null;
}

export type TargetParse = ParsedTarget | { refusal: string };

/**
 * Parses target URLs and remembers the answer: a webhook sends to the same URL thousands of times,
 * and parsing is a pure function of the text. Bounded, so a monitor of many distinct URLs cannot
 * grow it without end (past the bound it simply starts over).
 */
export class TargetUrls {
  private readonly parsed = new Map<string, TargetParse>();

  constructor(private readonly max = 10_000) {}

  get(url: string): TargetParse {
    let target = this.parsed.get(url);
    if (target === undefined) {
      if (this.parsed.size >= this.max) this.parsed.clear();
      target = parseTarget(url);
      this.parsed.set(url, target);
    }
    return target;
  }
}

export function parseTarget(raw: string): TargetParse {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refusal: 'target blocked: not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { refusal: `target blocked: ${url.protocol} is not http(s)` };
  const literal = literalAddressOf(url.hostname);
  return {
    protocol: url.protocol,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    hostname: url.hostname,
    literal: literal === null ? null : [literal],
  };
}

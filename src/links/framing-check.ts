import type { TargetClient } from '../outbound/target-client.js';
import { VERSION } from '../runtime/version.js';
import { framingRefusal } from './framing.js';

const USER_AGENT = `Linkwire/${VERSION} (cloaking check: may this page be framed?)`;
const TIMEOUT_MS = 5_000;
/** A destination that redirects is framed where it lands: follow a few hops, as the browser will. */
const MAX_HOPS = 3;

/** Why `url` cannot be shown in a frame held by `frameOrigin`, or null when it can. */
export type FramingCheck = (url: string, frameOrigin: string) => Promise<string | null>;

/**
 * Asks the destination itself, through the SSRF-safe client (private and metadata addresses are
 * refused before anything connects, exactly as for webhooks and link monitoring). A destination
 * that cannot be reached cannot be vouched for either, so that is a refusal too.
 */
export function createFramingCheck(client: TargetClient): FramingCheck {
  return async (url, frameOrigin) => {
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await client.send({ url: current, method: 'GET', headers: { 'user-agent': USER_AGENT, accept: 'text/html,*/*' }, timeoutMs: TIMEOUT_MS });
      if (response.statusCode === null) return `it could not be reached to check that it allows framing (${response.error ?? 'no response'})`;
      const location = response.headers['location'];
      if (response.statusCode >= 300 && response.statusCode < 400 && location) {
        if (hop >= MAX_HOPS) return `it redirects more than ${MAX_HOPS} times`;
        try {
          current = new URL(location, current).href;
        } catch {
          return 'it redirects to an address that is not a URL';
        }
        continue;
      }
      const refusal = framingRefusal(response.headers, frameOrigin);
      return refusal && current !== url ? `${refusal} (at ${current}, where it redirects)` : refusal;
    }
  };
}

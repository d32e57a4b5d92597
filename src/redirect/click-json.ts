import type { Click } from '../clicks/click-schema.js';
import type { UserAgentInfo } from '../clicks/user-agent.js';

/** Strings longer than this are escaped each time rather than kept (a flood of huge ones pins no memory). */
const MAX_REMEMBERED_LENGTH = 1024;
const REMEMBERED_STRINGS = 2_000;

/**
 * `JSON.stringify(click)`, character for character, built from pieces that repeat from click to
 * click. Generic JSON.stringify walks the 17 properties of every click and escapes the same
 * User-Agent and destination again each time: measured with bench/redirect-cpu-probe.ts it was
 * the largest single item of the redirect's own CPU (encodeVisitRecord, ~18 % of samples, see
 * bench/profiles/). Here the User-Agent's part is written once per parsed User-Agent (the parser
 * hands out one frozen object per distinct header), long strings that repeat (the header itself,
 * the destination, the referrer) are escaped once, and the rest is concatenated.
 *
 * The property order is the object's (click-schema.ts, as buildClick writes it): the event payload
 * is this very text, and it must stay the same bytes as before.
 */
export class ClickJsonWriter {
  private readonly agentParts = new WeakMap<UserAgentInfo, { head: string; bot: string }>();
  // One memo per field, so that destinations that differ on every click (forward_params merges the
  // visitor's query in) cannot push the few User-Agents of the traffic out of theirs.
  private readonly userAgents = new JsonMemo();
  private readonly destinations = new JsonMemo();
  // Clicks of the same millisecond share one timestamp string (redirect-handler.ts).
  private lastTimestamp = '';
  private lastTimestampJson = '""';

  /** `agent` is the parsed User-Agent the click's device, os, browser, bot and bot_name came from. */
  write(click: Click, agent: UserAgentInfo): string {
    let parts = this.agentParts.get(agent);
    if (parts === undefined) {
      parts = {
        head: `"device":${nullable(agent.device)},"os":${nullable(agent.os)},"browser":${nullable(agent.browser)},`,
        bot: `"bot":${agent.bot},"bot_name":${nullable(agent.bot_name)},`,
      };
      this.agentParts.set(agent, parts);
    }
    if (click.timestamp !== this.lastTimestamp) {
      this.lastTimestampJson = JSON.stringify(click.timestamp);
      this.lastTimestamp = click.timestamp;
    }
    return (
      `{"id":${JSON.stringify(click.id)},"timestamp":${this.lastTimestampJson},` +
      `"country":${nullable(click.country)},"city":${nullable(click.city)},"is_eu_country":${click.is_eu_country},` +
      parts.head +
      `"referrer":${nullable(click.referrer)},"referrer_domain":${nullable(click.referrer_domain)},` +
      parts.bot +
      `"destination":${this.destinations.json(click.destination)},"params":${paramsJson(click.params)},"qr":${click.qr},` +
      `"user_agent":${click.user_agent === null ? 'null' : this.userAgents.json(click.user_agent)},"ip":${nullable(click.ip)}}`
    );
  }
}

/** JSON text of strings that repeat, escaped once. First-in-first-out like the other hot-path caches (see user-agent.ts for why not LRU). */
class JsonMemo {
  private readonly texts = new Map<string, string>();

  json(value: string): string {
    if (value.length > MAX_REMEMBERED_LENGTH) return JSON.stringify(value);
    let text = this.texts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      if (this.texts.size >= REMEMBERED_STRINGS) this.texts.delete(this.texts.keys().next().value as string);
      this.texts.set(value, text);
    }
    return text;
  }
}

function nullable(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function paramsJson(params: Record<string, string>): string {
  // Most clicks carry no query: no walk of an empty object.
  for (const _ in params) return JSON.stringify(params);
  return '{}';
}

import { matchesFilter, parseFilter, type Filter } from '../webhooks/filter.js';
import { subscribesTo, type WebhookView } from '../webhooks/webhook-model.js';
import type { EventEnvelope } from '../events/outbox.js';

/**
 * Whether an event goes to a webhook: its type and link are subscribed, and its filter (if any)
 * accepts the envelope. Parsed filters are kept by source text, so a busy fan-out parses each once.
 */
export class SubscriptionMatcher {
  private readonly filters = new Map<string, Filter | null>();

  /**
   * `envelope` is asked for only when a filter has to look at the event: most webhooks have none,
   * and parsing every event's JSON to fan it out cost as much as the fan-out's own statements.
   */
  matches(webhook: WebhookView, type: string, linkId: string | null, envelope: () => EventEnvelope): boolean {
    if (!webhook.active || !subscribesTo(webhook, type, linkId)) return false;
    if (!webhook.filter) return true;
    const filter = this.filterOf(webhook.filter);
    // A stored filter that no longer parses (it was validated on save) matches nothing rather than everything.
    return filter !== null && matchesFilter(filter, envelope());
  }

  private filterOf(source: string): Filter | null {
    let filter = this.filters.get(source);
    if (filter === undefined) {
      try {
        filter = parseFilter(source);
      } catch {
        filter = null;
      }
      if (this.filters.size > 10_000) this.filters.clear();
      this.filters.set(source, filter);
    }
    return filter;
  }
}

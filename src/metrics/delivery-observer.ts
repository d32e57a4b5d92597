import type { DeliveryObserver } from '../delivery/result-writer.js';
import { attemptOutcomeLabel } from './attempt-outcome.js';
import type { Metrics } from './metrics.js';

/** Feeds the delivery metrics from finished attempts (test sends are left out). */
export function deliveryMetrics(metrics: Metrics, now: () => number): DeliveryObserver {
  return {
    attemptFinished(record) {
      if (record.isTest) return;
      const succeeded = record.outcome.kind === 'succeeded';
      metrics.attemptFinished(attemptOutcomeLabel(succeeded, record.response.statusCode, record.response.errorKind, record.response.error), record.response.responseTimeMs / 1000);
      if (succeeded && record.event) metrics.delivered((now() - record.event.timestamp) / 1000, record.attempt === 1);
    },
    endpointDisabled() {
      metrics.endpointDisabled();
    },
  };
}

import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/*
 * Every Prometheus metric Linkwire exports, on one Registry owned by the app (no global
 * registry, nothing registered at import). Hot paths only call the small methods below: a
 * counter increment or a histogram observation each. Nothing is labelled by workspace,
 * endpoint, link or URL: label values come from small fixed sets (status codes, event types,
 * attempt outcomes). See docs/metrics.md.
 */

/** Why an attempt ended as it did; a small fixed set (see attempt-outcome.ts). */
export type AttemptOutcomeLabel =
  | 'success'
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'connection_error'
  | 'tls'
  | 'protocol_error'
  | 'ssrf_blocked'
  | 'http_3xx'
  | 'http_4xx'
  | 'http_5xx'
  | 'http_other';

/**
 * Counters and histograms as plain data (prom-client's JSON form), which can cross a thread: what
 * the worker thread's work moved, added into the scrape of the thread that serves /metrics.
 */
export type MetricSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Where another thread's figures come from; null when it cannot answer now (restarting, say). */
export type MetricSource = () => Promise<MetricSnapshot | null>;

export interface GaugeSpec {
  name: string;
  help: string;
  /** Called on each scrape; keep it cheap (cache a query result for a few seconds). */
  read: () => number | null | Promise<number | null>;
}

export class Metrics {
  readonly registry = new Registry();
  private defaultsStarted = false;
  private readonly sources: MetricSource[] = [];

  /**
   * Redirect answers by status since metrics were last read: one Map update per redirect, folded
   * into the counter when it is read (a labelled inc() builds and hashes a label object per call,
   * a visible share of the redirect's own CPU).
   */
  private readonly redirectStatuses = new Map<number, number>();
  private readonly redirects = new Counter({
    name: 'linkwire_redirects_total',
    help: 'Answers of the redirect path, by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
    collect: () => this.foldRedirectStatuses(),
  });
  private readonly redirectSeconds = new Histogram({
    name: 'linkwire_redirect_duration_seconds',
    help: 'Time from request to answer on the redirect path (includes the group commit of the click)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly clicks = new Counter({ name: 'linkwire_clicks_recorded_total', help: 'Counted clicks committed (one link.clicked event each)', registers: [this.registry] });
  private readonly events = new Counter({ name: 'linkwire_events_total', help: 'Events committed to the outbox, by type', labelNames: ['type'] as const, registers: [this.registry] });
  private readonly attempts = new Counter({ name: 'linkwire_delivery_attempts_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  private readonly attemptSeconds = new Histogram({
    name: 'linkwire_delivery_attempt_duration_seconds',
    help: 'Time one delivery attempt took, until the endpoint answered or failed',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly lagSeconds = new Histogram({
    name: 'linkwire_delivery_lag_seconds',
    help: 'End-to-end lag from an event being committed to its successful delivery (retries included)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 7200, 86400],
    registers: [this.registry],
  });
  private readonly disabled = new Counter({ name: 'linkwire_webhooks_auto_disabled_total', help: 'Endpoints switched off for failing (410, 50 failures in a row, 5 days)', registers: [this.registry] });

  /** A redirect answered with `status` after `seconds`. */
  redirectAnswered(status: number, seconds: number): void {
    this.redirectStatuses.set(status, (this.redirectStatuses.get(status) ?? 0) + 1);
    this.redirectSeconds.observe(seconds);
  }

  private foldRedirectStatuses(): void {
    for (const [status, count] of this.redirectStatuses) this.redirects.inc({ status: String(status) }, count);
    this.redirectStatuses.clear();
  }

  /** Events committed (after the transaction committed). */
  eventsCommitted(types: readonly string[]): void {
    for (const type of types) {
      this.events.inc({ type });
      if (type === 'link.clicked') this.clicks.inc();
    }
  }

  attemptFinished(outcome: AttemptOutcomeLabel, seconds: number): void {
    this.attempts.inc({ outcome });
    this.attemptSeconds.observe(seconds);
  }

  delivered(lagSeconds: number, firstAttempt = true): void {
    this.lagSeconds.observe(Math.max(0, lagSeconds));
    // Retries wait by design (their schedule); only first attempts say whether the worker keeps up.
    if (firstAttempt && lagSeconds > this.recentLagSeconds) this.recentLagSeconds = lagSeconds;
  }

  private recentLagSeconds = 0;

  /** The largest first-attempt delivery lag since the last call, in seconds (the worker's CPU policy, worker-lag-policy.ts). */
  takeRecentDeliveryLag(): number {
    const lag = this.recentLagSeconds;
    this.recentLagSeconds = 0;
    return lag;
  }

  endpointDisabled(): void {
    this.disabled.inc();
  }

  /**
   * A gauge read on each scrape. This is how a subsystem exports a level (backlog, pool, journal
   * lag…): `metrics.addGauge({ name: 'linkwire_x', help: '…', read: () => value })`. A read that
   * throws or returns null leaves the gauge out of that scrape instead of failing it.
   */
  addGauge(spec: GaugeSpec): void {
    this.addLabelledGauge({ name: spec.name, help: spec.help, labelNames: [], read: async () => {
      const value = await spec.read();
      return value === null ? [] : [{ labels: {}, value }];
    } });
  }

  /** Like addGauge, for a gauge with a small fixed set of label values. */
  addLabelledGauge(spec: {
    name: string;
    help: string;
    labelNames: readonly string[];
    read: () => Promise<{ labels: Record<string, string>; value: number }[]>;
  }): void {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        let samples: { labels: Record<string, string>; value: number }[];
        try {
          samples = await spec.read();
        } catch {
          return; // e.g. the database is unreachable: the scrape still answers, without this level
        }
        for (const s of samples) this.set(s.labels, s.value);
      },
    });
  }

  /**
   * The counters and histograms this app's own work moved (no gauges: those read shared state, such
   * as the database's backlog, that the scraped thread reads itself; no process metrics: the
   * process is one). A worker thread answers the main thread's scrape with this.
   */
  async workSnapshot(): Promise<MetricSnapshot> {
    const all = await this.registry.getMetricsAsJSON();
    // prom-client's typings call `type` an enum; at runtime it is the exposition's type name.
    return all.filter((m) => m.name.startsWith('linkwire_') && (String(m.type) === 'counter' || String(m.type) === 'histogram'));
  }

  /**
   * Adds another thread's figures to every scrape: in the one-process mode the worker thread
   * ingests clicks and sends webhooks, so without this `linkwire_clicks_recorded_total` and
   * `linkwire_delivery_attempts_total` would never move on the process's /metrics.
   */
  addSource(source: MetricSource): void {
    this.sources.push(source);
  }

  /** The Prometheus text exposition. Process and Node.js metrics start with the first scrape. */
  async render(): Promise<{ contentType: string; body: string }> {
    if (!this.defaultsStarted) {
      this.defaultsStarted = true;
      collectDefaultMetrics({ register: this.registry });
    }
    if (this.sources.length === 0) return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    const own = await this.registry.getMetricsAsJSON();
    const others = await Promise.all(this.sources.map((read) => read().catch(() => null)));
    // Same names and labels add up (counters, histogram buckets, sums and counts); metrics only one
    // side has pass through as they are.
    const merged = AggregatorRegistry.aggregate([own, ...others.filter((o): o is MetricSnapshot => o !== null)]);
    return { contentType: this.registry.contentType, body: await merged.metrics() };
  }
}

/** Caches an async read for `ttlMs`, sharing one in-flight read among concurrent scrapes. */
export function cachedRead<T>(ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let value: { at: number; result: Promise<T> } | null = null;
  return () => {
    const t = now();
    if (!value || t - value.at >= ttlMs) {
      const result = read();
      value = { at: t, result };
      // A failed read is not cached: the next scrape tries again.
      result.catch(() => {
        if (value?.result === result) value = null;
      });
    }
    return value.result;
  };
}

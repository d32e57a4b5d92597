/**
 * One analytics view (SPEC §3b) for a query: totals, the series chart, the top lists and the CSV
 * export. The workspace Analytics page and a link's page both show it. With bots included it asks
 * twice (people alone, then everyone) so the chart and totals can show people and bots apart.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { analyticsSearch, exportClicks, getAnalytics, type Analytics, type AnalyticsQuery, type ExportProgress } from './api/analytics';
import { TimeChart, type ChartSeries } from './chart';
import { downloadBlob } from './download';
import { ErrorBox, Loading, useLoad } from './ui';

const count = (n: number) => n.toLocaleString('en-GB');

function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function Breakdown(props: { title: string; rows: { name: string | null; clicks: number }[]; unknown?: string }) {
  const max = Math.max(1, ...props.rows.map((r) => r.clicks));
  const unknown = props.unknown ?? 'Unknown';
  return (
    <div class="card breakdown">
      <h3>{props.title}</h3>
      {props.rows.length === 0 ? (
        <p class="muted">No clicks in this range.</p>
      ) : (
        <ul aria-label={props.title}>
          {props.rows.map((r, i) => (
            <li key={`${r.name ?? '-'}-${i}`}>
              <span title={r.name ?? unknown}>{r.name ?? unknown}</span>
              <meter min={0} max={max} value={r.clicks} aria-label={`${r.name ?? unknown}: ${r.clicks}`} />
              <span class="num">{count(r.clicks)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const values = (rows: { value: string | null; clicks: number }[]) => rows.map((r) => ({ name: r.value, clicks: r.clicks }));

function Totals(props: { people: Analytics; all: Analytics | null }) {
  const { people, all } = props;
  const shown = all ?? people;
  const stats: [string, string][] = [['Clicks', count(people.total)]];
  if (all) stats.push(['Bot clicks', count(all.total - people.total)], ['All clicks', count(all.total)]);
  if (shown.orphan_visits !== null) stats.push(['Orphan visits', count(shown.orphan_visits)]);
  stats.push(['Leads', count(shown.leads)], ['Sales', count(shown.sales)]);
  const revenue = Object.entries(shown.revenue);
  if (revenue.length === 0) stats.push(['Revenue', '—']);
  for (const [currency, minor] of revenue) stats.push([`Revenue (${currency})`, money(minor, currency)]);
  return (
    <dl class="totals" aria-label="Totals">
      {stats.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Series(props: { people: Analytics; all: Analytics | null }) {
  const { people, all } = props;
  const { times, series } = useMemo(() => {
    const times = people.series.map((p) => p.t);
    const series: ChartSeries[] = [{ label: 'People', values: people.series.map((p) => p.clicks), stroke: '#3b5bdb', fill: 'rgba(59,91,219,.12)' }];
    if (all) {
      const everyone = new Map(all.series.map((p) => [p.t, p.clicks]));
      series.push({ label: 'Bots', values: people.series.map((p) => Math.max(0, (everyone.get(p.t) ?? p.clicks) - p.clicks)), stroke: '#e8590c', fill: 'rgba(232,89,12,.08)' });
    }
    return { times, series };
  }, [people, all]);
  const per = people.interval === 'hour' ? 'hour' : 'day';
  return <TimeChart times={times} series={series} label={`Clicks per ${per}${all ? ', people and bots' : ''}, ${new Date(people.from).toLocaleDateString('en-GB')} to ${new Date(people.to).toLocaleDateString('en-GB')}`} />;
}

/** Streams the export with a progress line and a Cancel button, then saves the file. */
function ExportCsv(props: { query: AnalyticsQuery; expected: number | null }) {
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const running = useRef<AbortController | null>(null);
  async function start() {
    const controller = new AbortController();
    running.current = controller;
    setError(null);
    setOutcome(null);
    setProgress({ bytes: 0, rows: 0 });
    try {
      const csv = await exportClicks(props.query, setProgress, controller.signal);
      downloadBlob(csv.filename, csv.blob);
      setOutcome(`Saved ${csv.filename}: ${count(csv.rows)} rows, ${bytes(csv.bytes)}.`);
    } catch (err) {
      if (controller.signal.aborted) setOutcome('Export cancelled; nothing was saved.');
      else setError(err);
    } finally {
      running.current = null;
      setProgress(null);
    }
  }
  return (
    <div class="export">
      {progress ? (
        <div class="export-progress">
          <progress max={props.expected ?? undefined} value={props.expected ? Math.min(progress.rows, props.expected) : undefined} aria-label="Export progress" />
          <span role="status">
            {count(progress.rows)}
            {props.expected !== null ? ` of ${count(props.expected)}` : ''} rows · {bytes(progress.bytes)} received
          </span>
          <button type="button" onClick={() => running.current?.abort()}>
            Cancel export
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => void start()}>
          Export CSV
        </button>
      )}
      {outcome && (
        <p class="muted small" role="status">
          {outcome}
        </p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

export function AnalyticsReport(props: { query: AnalyticsQuery; showLinks: boolean }) {
  const key = analyticsSearch(props.query);
  const report = useLoad(async () => {
    const people = await getAnalytics({ ...props.query, bots: false });
    const all = props.query.bots ? await getAnalytics({ ...props.query, from: people.from, to: people.to, bots: true }) : null;
    return { people, all };
  }, [key]);
  if (report.error) return <ErrorBox error={report.error} />;
  if (!report.data) return <Loading label="Loading analytics" />;
  const { people, all } = report.data;
  const shown = all ?? people;
  const top = shown.top;
  // The export asks for the very range the numbers above cover, so its rows match their total.
  const exportQuery = { ...props.query, from: people.from, to: people.to };
  return (
    <div class={report.loading ? 'analytics-report stale' : 'analytics-report'} aria-busy={report.loading}>
      <section class="card">
        <div class="page-head">
          <h2>Clicks</h2>
          <ExportCsv query={exportQuery} expected={shown.total} />
        </div>
        <Totals people={people} all={all} />
        <Series people={people} all={all} />
        <p class="muted small">
          {new Date(people.from).toLocaleString('en-GB')} to {new Date(people.to).toLocaleString('en-GB')} · days in {people.timezone}
        </p>
      </section>
      <div class="breakdowns">
        {props.showLinks && (
          <Breakdown title="Links" rows={top.links.map((l) => ({ name: l.short_url ?? `${l.link_id} (deleted)`, clicks: l.clicks }))} />
        )}
        <Breakdown title="Countries" rows={values(top.countries)} />
        <Breakdown title="Cities" rows={top.cities.map((c) => ({ name: c.country ? `${c.city}, ${c.country}` : c.city, clicks: c.clicks }))} />
        <Breakdown title="Devices" rows={values(top.devices)} />
        <Breakdown title="Browsers" rows={values(top.browsers)} />
        <Breakdown title="OS" rows={values(top.os)} />
        <Breakdown title="Referrers" rows={values(top.referrers)} unknown="Direct" />
        <Breakdown title="UTM sources" rows={values(top.utm_sources)} unknown="None" />
        <Breakdown title="UTM mediums" rows={values(top.utm_mediums)} unknown="None" />
        <Breakdown title="UTM campaigns" rows={values(top.utm_campaigns)} unknown="None" />
      </div>
    </div>
  );
}

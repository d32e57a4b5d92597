import { get, type Link, type Page, type Workspace } from '../api';
import { TimeFilters, useAnalyticsFilters, useAnalyticsQuery, type AnalyticsFilters } from '../analytics-filters';
import { AnalyticsReport } from '../analytics-report';
import { Loading, useLoad } from '../ui';
import { useDomains } from './links';

/**
 * Under /links (whose first segment is already a reserved slug): a new top-level path would have
 * to reserve "analytics" and take that short link away from anyone who made it. Link ids start
 * with lnk_, so no link page is shadowed.
 */
export const ANALYTICS_PATH = '/links/analytics';

/** The link, domain and tag filters, offered from the workspace's latest links and its domains. */
function ScopeFilters(props: { filters: AnalyticsFilters; onChange: (change: Partial<AnalyticsFilters>) => void }) {
  const f = props.filters;
  const links = useLoad(() => get<Page<Link>>('/api/links?limit=100'), []);
  const custom = useDomains();
  const list = links.data?.data ?? [];
  const domains = [...new Set([...list.map((l) => l.domain), ...custom, ...(f.domain ? [f.domain] : [])])].sort();
  const tags = [...new Set([...list.flatMap((l) => l.tags), ...(f.tag ? [f.tag] : [])])].sort();
  const linkKnown = !f.link_id || list.some((l) => l.id === f.link_id);
  return (
    <div class="filters scope-filters">
      <label>
        <span>Link</span>
        <select value={f.link_id} onChange={(e) => props.onChange({ link_id: e.currentTarget.value })}>
          <option value="">All links</option>
          {!linkKnown && <option value={f.link_id}>{f.link_id}</option>}
          {list.map((l) => (
            <option key={l.id} value={l.id}>
              {l.title ? `${l.title} (${l.domain}/${l.slug})` : `${l.domain}/${l.slug}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Domain</span>
        <select value={f.domain} onChange={(e) => props.onChange({ domain: e.currentTarget.value })}>
          <option value="">All domains</option>
          {domains.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Tag</span>
        <select value={f.tag} onChange={(e) => props.onChange({ tag: e.currentTarget.value })}>
          <option value="">All tags</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** Workspace Analytics (issue 23): every link's clicks over a range, filtered, people and bots apart. */
export function AnalyticsPage() {
  const [filters, setFilters] = useAnalyticsFilters();
  const workspace = useLoad(() => get<Workspace>('/api/workspace'), []);
  const timezone = workspace.data?.settings.timezone ?? (workspace.error ? 'UTC' : null);
  const query = useAnalyticsQuery(filters, timezone ?? 'UTC');
  return (
    <section>
      <h1>Analytics</h1>
      {timezone === null ? (
        <Loading />
      ) : (
        <>
          <div class="card analytics-filters">
            <TimeFilters filters={filters} onChange={setFilters} timezone={timezone} />
            <ScopeFilters filters={filters} onChange={setFilters} />
          </div>
          <AnalyticsReport query={query} showLinks={!filters.link_id} />
        </>
      )}
    </section>
  );
}

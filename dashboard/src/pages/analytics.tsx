import { listLinks } from '../api/links';
import { getWorkspace } from '../api/workspace';
import { TimeFilters, useAnalyticsFilters, useAnalyticsQuery, type AnalyticsFilters } from '../analytics-filters';
import { AnalyticsReport } from '../analytics-report';
import { ChoiceSelect, Loading, useLoad } from '../ui';
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
  const links = useLoad(() => listLinks({}, 100), []);
  const custom = useDomains();
  const list = links.data?.data ?? [];
  const domains = [...new Set([...list.map((l) => l.domain), ...custom, ...(f.domain ? [f.domain] : [])])].sort();
  const tags = [...new Set([...list.flatMap((l) => l.tags), ...(f.tag ? [f.tag] : [])])].sort();
  const linkKnown = !f.link_id || list.some((l) => l.id === f.link_id);
  return (
    <div class="filters scope-filters">
      <ChoiceSelect
        label="Link"
        all="All links"
        value={f.link_id}
        options={[
          ...(linkKnown ? [] : [{ value: f.link_id, label: f.link_id }]),
          ...list.map((l) => ({ value: l.id, label: l.title ? `${l.title} (${l.domain}/${l.slug})` : `${l.domain}/${l.slug}` })),
        ]}
        onChange={(link_id) => props.onChange({ link_id })}
      />
      <ChoiceSelect label="Domain" all="All domains" value={f.domain} options={domains.map((d) => ({ value: d, label: d }))} onChange={(domain) => props.onChange({ domain })} />
      <ChoiceSelect label="Tag" all="All tags" value={f.tag} options={tags.map((t) => ({ value: t, label: t }))} onChange={(tag) => props.onChange({ tag })} />
    </div>
  );
}

/** Workspace Analytics (issue 23): every link's clicks over a range, filtered, people and bots apart. */
export function AnalyticsPage() {
  const [filters, setFilters] = useAnalyticsFilters();
  const workspace = useLoad(getWorkspace, []);
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

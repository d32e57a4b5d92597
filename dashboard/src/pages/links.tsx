import { useState } from 'preact/hooks';
import { Allowed, usePermission } from '../permissions';
import { useLocation } from 'preact-iso';
import { ApiError, qs, type Body, type Link, type Page } from '../api';
import { listDomains } from '../api/domains';
import { createLink, createLinks, listLinks } from '../api/links';
import { parseCsvTable, toCsv } from '../../../src/csv/csv.js';
import { LINK_CSV_EXPORT, LINK_CSV_IMPORT_EXTRA, LINK_CSV_WRITABLE, TAG_SEPARATOR } from '../../../src/links/link-csv.js';
import { download } from '../download';
import { ChoiceSelect, CursorPager, Dialog, Empty, ErrorBox, Loading, formatTime, useLoad } from '../ui';
import { LinkForm } from './link-form';

/** The columns import reads: the CLI's (src/links/link-csv.ts), so a file from either imports in both. */
const IMPORT_COLUMNS: readonly string[] = [...LINK_CSV_WRITABLE, ...LINK_CSV_IMPORT_EXTRA];

export function useDomains(): string[] {
  const { data } = useLoad(listDomains, []);
  return (data?.data ?? []).filter((d) => d.verified).map((d) => d.hostname);
}

interface RowError {
  line: number;
  message: string;
}

/** Reads a CSV (header row: url, slug, title, tags…) and creates the links in batches, reporting each bad row. */
function ImportDialog(props: { open: boolean; onClose: () => void; onDone: () => void }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [errors, setErrors] = useState<RowError[]>([]);
  const [created, setCreated] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  async function run(file: File) {
    setProblem(null);
    setErrors([]);
    setCreated(0);
    const { header, rows } = parseCsvTable(await file.text());
    if (!header.includes('url')) {
      setProblem('The first row must name the columns and include "url" (also accepted: ' + IMPORT_COLUMNS.slice(1).join(', ') + ').');
      return;
    }
    const items = rows.map((cells, i) => {
      const body: Record<string, unknown> = {};
      header.forEach((name, j) => {
        const value = cells[j]?.trim() ?? '';
        if (!value || !IMPORT_COLUMNS.includes(name)) return;
        if (name === 'tags') body.tags = value.split(/[|;]/).map((t) => t.trim()).filter(Boolean);
        else if (name === 'max_clicks') body.max_clicks = Number(value);
        else body[name] = value;
      });
      // The server checks every field; a row only has to name its columns.
      return { line: i + 2, body: body as Body<'/api/links', 'post'> };
    });
    setRunning(true);
    setProgress({ done: 0, total: items.length });
    const bad: RowError[] = [];
    let ok = 0;
    const BATCH = 50;
    for (let start = 0; start < items.length; start += BATCH) {
      const batch = items.slice(start, start + BATCH);
      try {
        await createLinks(batch.map((b) => b.body));
        ok += batch.length;
      } catch {
        // Bulk is all-or-nothing: find the bad rows one by one so every good row still lands.
        for (const item of batch) {
          try {
            await createLink(item.body);
            ok += 1;
          } catch (err) {
            bad.push({ line: item.line, message: err instanceof ApiError ? err.message : String(err) });
          }
        }
      }
      setProgress({ done: Math.min(start + BATCH, items.length), total: items.length });
      setCreated(ok);
      setErrors([...bad]);
    }
    setRunning(false);
    props.onDone();
  }

  return (
    <Dialog open={props.open} title="Import links from CSV" onClose={() => !running && props.onClose()}>
      <p class="hint">
        The first row names the columns: <code>url</code> (required), and any of {IMPORT_COLUMNS.slice(1).join(', ')}. Separate several tags with <code>|</code>.
      </p>
      <label class="file">
        <span>CSV file</span>
        <input type="file" accept=".csv,text/csv" disabled={running} onChange={(e) => e.currentTarget.files?.[0] && void run(e.currentTarget.files[0])} />
      </label>
      {problem && (
        <p class="error-box" role="alert">
          {problem}
        </p>
      )}
      {progress && (
        <div role="status">
          <progress max={progress.total} value={progress.done} aria-label="Import progress" />
          <p>
            {progress.done} of {progress.total} rows processed · {created} created · {errors.length} failed
          </p>
        </div>
      )}
      {errors.length > 0 && (
        <table class="compact">
          <caption>Rows not imported</caption>
          <thead>
            <tr>
              <th>Line</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((e) => (
              <tr key={e.line}>
                <td>{e.line}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="actions">
        <button type="button" disabled={running} onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

async function exportCsv(filters: Record<string, string>, onProgress: (n: number) => void): Promise<void> {
  const all: Link[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Link> = await listLinks(filters, 100, cursor);
    all.push(...page.data);
    onProgress(all.length);
    cursor = page.next_cursor;
  } while (cursor);
  const rows = all.map((l) => LINK_CSV_EXPORT.map((c) => (c === 'tags' ? l.tags.join(TAG_SEPARATOR) : l[c])));
  download('linkwire-links.csv', 'text/csv', toCsv([LINK_CSV_EXPORT, ...rows], { bom: true }));
}

/** `/links/new`: the links page with the New link dialog open (a bookmarkable way to create one). */
export function NewLinkPage() {
  return <LinksPage startCreating />;
}

export function LinksPage(props: { startCreating?: boolean }) {
  const { query, route } = useLocation();
  const domains = useDomains();
  const canWrite = usePermission('links:write').allowed;
  const [search, setSearch] = useState(query.search ?? '');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const filters = { search: query.search ?? '', tag: query.tag ?? '', domain: query.domain ?? '' };
  const cursor = cursors[cursors.length - 1] ?? null;
  const { data, error, loading, reload } = useLoad(() => listLinks(filters, 50, cursor), [filters.search, filters.tag, filters.domain, cursor]);
  const [creating, setCreatingState] = useState(props.startCreating === true && canWrite);
  const setCreating = (open: boolean) => {
    setCreatingState(open);
    // Closed on /links/new: back to the list, or a reload would open the dialog again.
    if (!open && props.startCreating && location.pathname === '/links/new') route('/links', true);
  };
  const [importing, setImporting] = useState(false);
  const [exporting, setExporting] = useState<number | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);

  const setFilter = (change: Record<string, string>) => {
    setCursors([null]);
    route(`/links${qs({ ...filters, ...change })}`);
  };
  const filtered = Boolean(filters.search || filters.tag || filters.domain);

  return (
    <section>
      <div class="page-head">
        <h1>Links</h1>
        <div class="actions">
          {canWrite && (
            <button type="button" onClick={() => setImporting(true)}>
              Import CSV
            </button>
          )}
          <button
            type="button"
            disabled={exporting !== null}
            onClick={async () => {
              setExporting(0);
              setExportError(null);
              try {
                await exportCsv(filters, setExporting);
              } catch (err) {
                setExportError(err);
              } finally {
                setExporting(null);
              }
            }}
          >
            {exporting !== null ? `Exporting… ${exporting}` : 'Export CSV'}
          </button>
          <Allowed permission="links:write">
            <button type="button" class="primary" onClick={() => setCreating(true)}>
              New link
            </button>
          </Allowed>
        </div>
      </div>
      <ErrorBox error={exportError} />
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ search });
        }}
      >
        <label>
          <span>Search</span>
          <input type="search" value={search} placeholder="slug, title or URL" onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <label>
          <span>Tag</span>
          <input value={filters.tag} onChange={(e) => setFilter({ tag: e.currentTarget.value })} placeholder="any" />
        </label>
        <ChoiceSelect label="Domain" all="All domains" value={filters.domain} options={domains.map((d) => ({ value: d, label: d }))} onChange={(domain) => setFilter({ domain })} />
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      {loading && !data && <Loading label="Loading links…" />}
      {data && data.data.length === 0 && cursors.length === 1 && (
        <Empty title={filtered ? 'No links match these filters' : 'No links yet'}>
          {filtered ? (
            <p>
              <button type="button" onClick={() => route('/links')}>
                Clear filters
              </button>
            </p>
          ) : (
            <p>Create your first short link, or import a CSV of them.</p>
          )}
        </Empty>
      )}
      {data && data.data.length > 0 && (
        <div class="table-wrap">
          <table class="links" aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">Link</th>
                <th scope="col" class="wide-only">
                  Destination
                </th>
                <th scope="col">Tags</th>
                <th scope="col" class="num">
                  Clicks
                </th>
                <th scope="col" class="wide-only">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((l) => (
                <tr key={l.id}>
                  <td>
                    <a href={`/links/${l.id}`} class="strong">
                      {l.title || `${l.domain}/${l.slug}`}
                    </a>
                    <div class="muted mono small">{l.short_url}</div>
                    <div class="muted small truncate narrow-only" title={l.url}>
                      {l.url}
                    </div>
                  </td>
                  <td class="truncate wide-only" title={l.url}>
                    {l.url}
                  </td>
                  <td>
                    {l.tags.map((t) => (
                      <button type="button" class="tag" key={t} onClick={() => setFilter({ tag: t })}>
                        {t}
                      </button>
                    ))}
                  </td>
                  <td class="num">{l.clicks}</td>
                  <td class="small wide-only">{formatTime(l.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CursorPager label="Pages" cursors={cursors} setCursors={setCursors} next={data?.next_cursor} back="Previous page" forward="Next page" showPage />
      <Dialog open={creating} title="New link" onClose={() => setCreating(false)} wide>
        <LinkForm
          domains={domains}
          onCancel={() => setCreating(false)}
          onSaved={(link) => {
            setCreatingState(false);
            route(`/links/${link.id}`);
          }}
        />
      </Dialog>
      <ImportDialog open={importing} onClose={() => setImporting(false)} onDone={reload} />
    </section>
  );
}

import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import type { Link } from '../api';
import { deleteLink, getLink, linkMonitor, linkStats, linkWebhooks, qrCodeUrl, recentClicks, removeLinkWebhook } from '../api/links';
import { getWorkspace } from '../api/workspace';
import { TimeFilters, useAnalyticsFilters, useAnalyticsQuery } from '../analytics-filters';
import { AnalyticsReport } from '../analytics-report';
import { ConfirmDialog, CopyField, Empty, ErrorBox, Loading, formatTime, useLoad } from '../ui';
import { Allowed, usePermission } from '../permissions';
import { LinkWebhookUrls } from './link-webhook-urls';

function LinkWebhooks(props: { link: Link }) {
  const manage = usePermission('webhooks:write');
  const { data, error, reload } = useLoad(() => linkWebhooks(props.link.id), [props.link.id]);
  const [removeError, setRemoveError] = useState<unknown>(null);
  return (
    <section class="card">
      <div class="page-head">
        <h2>Webhooks for this link</h2>
        {manage.allowed && (
          <a class="button" href={`/settings/webhooks/new?link_id=${props.link.id}`}>
            New webhook for this link
          </a>
        )}
      </div>
      <ErrorBox error={error ?? removeError} />
      {data && data.data.length === 0 && <p class="muted">No webhook listens to this link alone. Workspace webhooks still receive its events.</p>}
      <ul class="plain">
        {data?.data.map((w) => (
          <li key={w.id}>
            <a href={`/settings/webhooks/${w.id}`}>{w.name}</a> <span class="muted mono small">{w.url}</span>{' '}
            {manage.allowed && (
              <button
                type="button"
                class="ghost"
                onClick={async () => {
                  try {
                    await removeLinkWebhook(props.link.id, w.id);
                    reload();
                  } catch (err) {
                    setRemoveError(err);
                  }
                }}
              >
                Detach
              </button>
            )}
          </li>
        ))}
      </ul>
      {manage.allowed ? (
        <LinkWebhookUrls linkId={props.link.id} onCreated={reload} />
      ) : (
        <p class="muted" role="note">
          {manage.reason}.
        </p>
      )}
    </section>
  );
}

export function LinkDetailPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id!;
  const [filters, setFilters] = useAnalyticsFilters();
  const [deleting, setDeleting] = useState(false);
  const link = useLoad(() => getLink(id), [id]);
  const workspace = useLoad(getWorkspace, []);
  const timezone = workspace.data?.settings.timezone ?? 'UTC';
  // Only the range, interval and bots apply here: the link is fixed, whatever else the URL says.
  const query = useAnalyticsQuery({ ...filters, link_id: '', domain: '', tag: '' }, timezone, { link_id: id });
  const clicks = useLoad(() => recentClicks(id, 20), [id]);
  const monitor = useLoad(() => linkMonitor(id), [id]);
  // The scans of the printed code: the one figure the workspace analytics do not break out.
  const scans = useLoad(() => linkStats(id, 'all'), [id]);

  if (link.error) return <ErrorBox error={link.error} />;
  if (!link.data) return <Loading />;
  const l = link.data;
  return (
    <section>
      <p>
        <a href="/links">← Links</a>
      </p>
      <div class="page-head">
        <h1>{l.title || `${l.domain}/${l.slug}`}</h1>
        <Allowed permission="links:write">
          <div class="actions">
            <a class="button" href={`/links/${l.id}/edit`}>
              Edit
            </a>
            <button type="button" class="danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          </div>
        </Allowed>
      </div>
      <div class="detail-top">
        <div class="card grow">
          <CopyField label="Short URL" value={l.short_url} />
          <p class="truncate">
            Goes to <span class="mono">{l.url}</span>
          </p>
          <p class="muted small">
            {l.clicks} clicks · created {formatTime(l.created_at)}
            {l.tags.length > 0 && ` · tags: ${l.tags.join(', ')}`}
            {l.expires_at && ` · expires ${formatTime(l.expires_at)}`}
            {l.max_clicks !== null && ` · limit ${l.max_clicks} clicks`}
          </p>
        </div>
        <div class="card qr">
          <img src={qrCodeUrl(l.id, 'svg')} alt={`QR code for ${l.short_url}`} width={148} height={148} />
          {scans.data && <p class="muted small">{scans.data.totals.qr === 1 ? '1 visit' : `${scans.data.totals.qr} visits`} from the QR code</p>}
          <div class="actions">
            <a class="button" href={qrCodeUrl(l.id, 'png')} download={`${l.slug}.png`}>
              Download PNG
            </a>
            <a class="button" href={qrCodeUrl(l.id, 'svg')} download={`${l.slug}.svg`}>
              Download SVG
            </a>
          </div>
        </div>
      </div>

      <section class="card analytics-filters" aria-label="Analytics filters">
        {workspace.data || workspace.error ? <TimeFilters filters={filters} onChange={setFilters} timezone={timezone} /> : <Loading />}
      </section>
      {(workspace.data || workspace.error) && <AnalyticsReport query={query} showLinks={false} />}

      <section class="card">
        <h2>Recent clicks</h2>
        <ErrorBox error={clicks.error} />
        {clicks.data && clicks.data.data.length === 0 && <Empty title="No clicks yet">Share the short URL; clicks show up here as they happen.</Empty>}
        {clicks.data && clicks.data.data.length > 0 && (
          <div class="table-wrap">
            <table class="compact">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Country</th>
                  <th>Device</th>
                  <th>Browser</th>
                  <th>Referrer</th>
                  <th>QR</th>
                </tr>
              </thead>
              <tbody>
                {clicks.data.data.map((c) => (
                  <tr key={c.id}>
                    <td>{formatTime(c.timestamp)}</td>
                    <td>{[c.country, c.city].filter(Boolean).join(' · ') || '—'}</td>
                    <td>{[c.device, c.os].filter(Boolean).join(' · ') || '—'}</td>
                    <td>{c.bot ? 'bot' : (c.browser ?? '—')}</td>
                    <td>{c.referrer_domain ?? '—'}</td>
                    <td>{c.qr ? 'yes' : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card">
        <h2>Monitoring</h2>
        <ErrorBox error={monitor.error} />
        {monitor.data && !l.monitor && <p class="muted">Not monitored. Turn on “Monitor the destination” in Edit to be told when it breaks.</p>}
        {monitor.data && l.monitor && (
          <p>
            State: <strong>{monitor.data.status === 'pending' ? 'not checked yet' : monitor.data.status}</strong>
            {monitor.data.last_checked_at && ` · last checked ${formatTime(monitor.data.last_checked_at)}`}
            {monitor.data.last_status_code != null && ` · HTTP ${monitor.data.last_status_code}`}
            {monitor.data.last_error && ` · ${monitor.data.last_error}`}
          </p>
        )}
      </section>

      <LinkWebhooks link={l} />
      <ConfirmDialog
        open={deleting}
        title="Delete this link?"
        message={`${l.short_url} will stop redirecting, and its click history goes with it.`}
        confirm="Delete link"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await deleteLink(l.id);
          route('/links');
        }}
      />
    </section>
  );
}

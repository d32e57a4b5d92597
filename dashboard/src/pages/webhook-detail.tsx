import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import type { TestResult, Webhook } from '../api';
import { getDelivery, replayDelivery } from '../api/deliveries';
import { eventTypes } from '../api/events';
import { ConfirmDialog, CursorPager, DataTable, Dialog, Empty, ErrorBox, Loading, StatusBadge, formatTime, useLoad } from '../ui';
import { Allowed, usePermission } from '../permissions';
import { SecretOnce } from './webhook-new';
import { deleteWebhook, getWebhook, listDeliveries, nextVersion, payloadVersions, replaySince, rotateSecret, samplePayload, sendTest, sendTestAtVersion, setPayloadVersion, setWebhookActive } from '../api/webhooks';
import { eventsLabel, webhookState } from './webhooks';

const POLL_MS = 3000;

/**
 * The payload version the webhook is pinned to, and the upgrade to the next one: a preview of the
 * next version's payload (a sample in the webhook's format), then a test delivery at that version;
 * only when the endpoint accepts it does the webhook switch.
 */
function PayloadVersionCard(props: { webhook: Webhook; onChanged: (w: Webhook) => void }) {
  const w = props.webhook;
  const known = useLoad(() => payloadVersions(), []);
  const next = known.data ? nextVersion(known.data.versions, w.payload_version) : null;
  const [open, setOpen] = useState(false);
  const preview = useLoad(() => (open && next ? samplePayload(w.format, 'link.clicked', next) : Promise.resolve('')), [open, next, w.format]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [failed, setFailed] = useState<TestResult | null>(null);
  return (
    <section class="card" aria-labelledby="version-h">
      <h2 id="version-h">Payload version</h2>
      <p>
        Pinned to <strong class="mono" aria-label="Pinned payload version">{w.payload_version}</strong>
        {next ? ' · a newer version exists.' : ' · the newest.'}
      </p>
      {next && (
        <button type="button" onClick={() => { setOpen(true); setError(null); setFailed(null); }}>
          Upgrade to {next}
        </button>
      )}
      {next && (
        <Dialog open={open} title={`Upgrade to ${next}`} onClose={() => setOpen(false)} wide>
          <p>
            What this webhook would receive for a click in version <span class="mono">{next}</span> (a sample, format {w.format}). Upgrading first sends a test
            delivery at {next}; the webhook switches only if your endpoint accepts it.
          </p>
          {preview.error ? <ErrorBox error={preview.error} /> : preview.data ? <pre aria-label={`Sample payload in ${next}`}>{prettyJson(preview.data)}</pre> : <Loading />}
          <ErrorBox error={error} />
          {failed && (
            <p class="field-error" role="alert">
              The test at {next} failed ({failed.status_code ?? 'no answer'}{failed.error ? `: ${failed.error}` : ''}): still on {w.payload_version}.
            </p>
          )}
          <div class="actions">
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                setError(null);
                setFailed(null);
                try {
                  const result = await sendTestAtVersion(w.id, next);
                  if (!result.success) {
                    setFailed(result);
                    return;
                  }
                  props.onChanged(await setPayloadVersion(w.id, next));
                  setOpen(false);
                } catch (err) {
                  setError(err);
                } finally {
                  setBusy(false);
                }
              }}
            >
              {busy ? 'Sending test…' : `Send test and switch to ${next}`}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

/** `onSent`: the send is recorded as a delivery by the time the API answers, so the list can show it at once. */
function SendTest(props: { webhook: Webhook; onSent: () => void }) {
  const types = useLoad(eventTypes, []);
  const [type, setType] = useState('link.clicked');
  const [result, setResult] = useState<(TestResult & { at: string }) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section class="card" aria-labelledby="test-h">
      <h2 id="test-h">Send Test Event</h2>
      <div class="row">
        <label>
          <span>Event type</span>
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {(types.data?.data ?? [{ type: 'link.clicked', description: '' }]).map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              setResult({ ...(await sendTest(props.webhook.id, type)), at: new Date().toISOString() });
            } catch (err) {
              setError(err);
            } finally {
              props.onSent();
              setBusy(false);
            }
          }}
        >
          {busy ? 'Sending…' : 'Send Test Event'}
        </button>
      </div>
      <ErrorBox error={error} />
      {result && (
        <div class="test-result" role="status" aria-label="Test result">
          <p>
            <StatusBadge status={result.success ? 'succeeded' : 'failed'} /> Status <strong class="mono">{result.status_code ?? 'no answer'}</strong> · response time{' '}
            <strong>{result.response_time_ms ?? '—'} ms</strong> · sent {formatTime(result.at)}
          </p>
          {result.error && <p class="field-error">{result.error}</p>}
          {result.response_body && (
            <details>
              <summary>Response body</summary>
              <pre>{result.response_body}</pre>
            </details>
          )}
        </div>
      )}
    </section>
  );
}

function prettyJson(text: string | null): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function DeliveryDialog(props: { id: string | null; onClose: () => void; onReplayed: () => void }) {
  const detail = useLoad(() => (props.id ? getDelivery(props.id) : Promise.resolve(null)), [props.id]);
  const [replayed, setReplayed] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setReplayed(null);
    setError(null);
  }, [props.id]);
  const d = detail.data;
  const canReplay = usePermission('webhooks:write').allowed;
  return (
    <Dialog open={props.id !== null} title="Delivery" onClose={props.onClose} wide>
      <ErrorBox error={detail.error ?? error} />
      {!d && <Loading />}
      {d && (
        <div class="delivery-detail">
          <p>
            <StatusBadge status={d.status} /> <span class="mono">{d.type}</span> · event <span class="mono">{d.event_id}</span> · created {formatTime(d.created_at)}
            {d.next_attempt_at && ` · next attempt ${formatTime(d.next_attempt_at)}`}
          </p>
          <div class="actions">
            {canReplay && (
              <button
                type="button"
                class="primary"
                onClick={async () => {
                  setError(null);
                  try {
                    await replayDelivery(d.id);
                    setReplayed(new Date().toISOString());
                    props.onReplayed();
                    detail.reload();
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                Replay
              </button>
            )}
            {replayed && (
              <span role="status">
                Queued again at {formatTime(replayed)}, with the same webhook-id.
              </span>
            )}
          </div>
          <h3>Request</h3>
          <table class="compact kv">
            <tbody>
              {Object.entries(d.request.headers).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row" class="mono">
                    {k}
                  </th>
                  <td class="mono break">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <pre aria-label="Request body">{prettyJson(d.request.body)}</pre>
          <h3>Attempts</h3>
          {d.attempts.length === 0 && <p class="muted">Not sent yet.</p>}
          <ol class="attempts">
            {d.attempts.map((a) => (
              <li key={`${a.attempt}-${a.started_at}`}>
                <p>
                  <strong>#{a.attempt}</strong> · {formatTime(a.started_at)} · status <span class="mono">{a.status_code ?? '—'}</span> · {a.response_time_ms ?? '—'} ms
                </p>
                {a.error && <p class="field-error">{a.error}</p>}
                {a.response_body && <pre>{a.response_body}</pre>}
              </li>
            ))}
          </ol>
        </div>
      )}
    </Dialog>
  );
}

/** `sent`: bumped by each test send; the first page reloads then instead of waiting for the next poll. */
function RecentDeliveries(props: { webhook: Webhook; types: string[]; sent: number }) {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = () => listDeliveries(props.webhook.id, { status, type }, cursor, 20);
  const list = useLoad(page, [props.webhook.id, status, type, cursor, cursor === null ? props.sent : 0]);
  // Live while open: poll the first page every few seconds (pages further back do not change).
  useEffect(() => {
    if (cursor !== null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') page().then(list.setData, () => undefined);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [props.webhook.id, status, type, cursor]);
  const reset = () => setCursors([null]);
  return (
    <section class="card" aria-labelledby="deliveries-h">
      <div class="page-head">
        <h2 id="deliveries-h">Recent Deliveries</h2>
        <span class="muted small live">Live · updates every {POLL_MS / 1000} s</span>
      </div>
      <div class="filters">
        <label>
          <span>Status</span>
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.currentTarget.value);
              reset();
            }}
          >
            <option value="">All</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="pending">Pending</option>
          </select>
        </label>
        <label>
          <span>Event type</span>
          <select
            value={type}
            onChange={(e) => {
              setType(e.currentTarget.value);
              reset();
            }}
          >
            <option value="">All types</option>
            {props.types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={list.error} />
      {list.data && list.data.data.length === 0 && (
        <Empty title={status || type ? 'No deliveries match' : 'No deliveries yet'}>
          <p>{status || type ? 'Try another status or type.' : 'Send a test event, or wait for the next event this webhook subscribes to.'}</p>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <DataTable
          class="deliveries"
          rows={list.data.data}
          rowKey={(d) => d.id}
          rowAttributes={(d) => ({ 'data-delivery-id': d.id })}
          columns={[
            {
              header: 'Status',
              cell: (d) => (
                <>
                  <StatusBadge status={d.status} />
                  {d.test && <span class="badge">test</span>}
                </>
              ),
            },
            { header: 'Event', class: 'mono small', cell: (d) => d.type },
            { header: 'Attempts', class: 'num', cell: (d) => d.attempts_count },
            { header: 'Created', class: 'small', cell: (d) => formatTime(d.created_at) },
            {
              header: 'Open',
              hidden: true,
              cell: (d) => (
                <button type="button" class="ghost" aria-label={`Details of delivery ${d.type} ${d.id}`} onClick={() => setOpen(d.id)}>
                  Details
                </button>
              ),
            },
          ]}
        />
      )}
      <CursorPager label="Delivery pages" cursors={cursors} setCursors={setCursors} next={list.data?.next_cursor} back="Newer" forward="Older" />
      <DeliveryDialog id={open} onClose={() => setOpen(null)} onReplayed={list.reload} />
    </section>
  );
}

function ReplaySince(props: { webhook: Webhook }) {
  const [since, setSince] = useState('');
  const [status, setStatus] = useState('failed');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section class="card" aria-labelledby="replay-h">
      <h2 id="replay-h">Replay since a time</h2>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setResult(null);
          try {
            const r = await replaySince(props.webhook.id, new Date(since).toISOString(), status);
            setResult(`Queued ${r.replayed} deliveries again.`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          <span>Since</span>
          <input type="datetime-local" required value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </label>
        <label>
          <span>Which</span>
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="failed">Failed only</option>
            <option value="succeeded">Succeeded only</option>
            <option value="all">All</option>
          </select>
        </label>
        <button type="submit" disabled={!since}>
          Replay since
        </button>
      </form>
      <ErrorBox error={error} />
      {result && <p role="status">{result}</p>}
    </section>
  );
}

function RotateDialog(props: { webhook: Webhook; open: boolean; onClose: () => void }) {
  const [grace, setGrace] = useState('0');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setSecret(null);
    props.onClose();
  };
  return (
    <Dialog open={props.open} title="Rotate secret" onClose={close}>
      {secret ? (
        <SecretOnce secret={secret}>
          <div class="actions">
            <button type="button" class="primary" onClick={close}>
              Done
            </button>
          </div>
        </SecretOnce>
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              setSecret((await rotateSecret(props.webhook.id, Number(grace))).secret);
            } catch (err) {
              setError(err);
            }
          }}
        >
          <p>A new signing secret replaces the current one. During a grace period deliveries carry both signatures, so you can update your receiver without dropping any.</p>
          <label>
            <span>Keep the old secret valid for</span>
            <select value={grace} onChange={(e) => setGrace(e.currentTarget.value)}>
              <option value="0">No grace period: stop now</option>
              <option value="3600">1 hour</option>
              <option value="86400">24 hours</option>
              <option value="604800">7 days</option>
            </select>
          </label>
          <ErrorBox error={error} />
          <div class="actions">
            <button type="button" class="ghost" onClick={close}>
              Cancel
            </button>
            <button type="submit" class="primary">
              Rotate secret
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export function WebhookDetailPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const hook = useLoad(() => getWebhook(params.id!), [params.id]);
  const types = useLoad(eventTypes, []);
  const [rotating, setRotating] = useState(false);
  const [sent, setSent] = useState(0);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (hook.error) return <ErrorBox error={hook.error} />;
  if (!hook.data) return <Loading />;
  const w = hook.data;
  const state = webhookState(w);
  const paused = !w.active || Boolean(w.disabled_at);
  const manage = usePermission('webhooks:write');
  return (
    <section>
      <p>
        <a href="/settings/webhooks">← Webhooks</a>
      </p>
      <div class="page-head">
        <h1>{w.name}</h1>
        <Allowed permission="webhooks:write">
          <div class="actions">
            <button
              type="button"
              onClick={async () => {
                setError(null);
                try {
                  hook.setData(await setWebhookActive(w.id, paused));
                } catch (err) {
                  setError(err);
                }
              }}
            >
              {paused ? 'Resume' : 'Pause'}
            </button>
            <button type="button" onClick={() => setRotating(true)}>
              Rotate secret
            </button>
            <button type="button" class="danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          </div>
        </Allowed>
      </div>
      <ErrorBox error={error} />
      <div class="card summary">
        <p>
          <span class={`badge badge-${state.cls}`} aria-label={`State: ${state.label}`}>
            {state.label}
          </span>{' '}
          <span class="mono break">{w.url}</span>
        </p>
        <p class="small">
          Events: {eventsLabel(w.events)} · format {w.format} · payload version {w.payload_version} · timeout {w.timeout_ms} ms · retries {w.retry.mode === 'none' ? 'off' : 'on'}
          {w.link_ids.length > 0 && ` · ${w.link_ids.length} link(s) only`}
          {w.filter && (
            <>
              {' '}
              · filter <code>{w.filter}</code>
            </>
          )}
        </p>
        {!w.active && !w.disabled_at && <p class="muted">Paused: events are skipped (not queued) until you resume.</p>}
      </div>
      {manage.allowed && <PayloadVersionCard webhook={w} onChanged={(changed) => hook.setData(changed)} />}
      {manage.allowed && <SendTest webhook={w} onSent={() => setSent((n) => n + 1)} />}
      <RecentDeliveries webhook={w} types={(types.data?.data ?? []).map((t) => t.type)} sent={sent} />
      {manage.allowed && <ReplaySince webhook={w} />}
      <RotateDialog webhook={w} open={rotating} onClose={() => setRotating(false)} />
      <ConfirmDialog
        open={deleting}
        title="Delete this webhook?"
        message={`${w.name} stops receiving events, and its delivery log is removed.`}
        confirm="Delete webhook"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await deleteWebhook(w.id);
          route('/settings/webhooks');
        }}
      />
    </section>
  );
}

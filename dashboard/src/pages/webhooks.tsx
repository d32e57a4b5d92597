import type { Webhook } from '../api';
import { listWebhooks, webhookHealth } from '../api/webhooks';
import { Allowed } from '../permissions';
import { Empty, ErrorBox, Loading, formatTime, useLoad } from '../ui';

export function webhookState(w: Webhook): { label: string; cls: string } {
  if (w.disabled_at) return { label: `Disabled${w.disabled_reason ? `: ${w.disabled_reason}` : ''}`, cls: 'failed' };
  return w.active ? { label: 'Active', cls: 'succeeded' } : { label: 'Paused', cls: 'pending' };
}

export const eventsLabel = (events: string[]) => (events.includes('*') ? 'All events' : events.length <= 2 ? events.join(', ') : `${events.slice(0, 2).join(', ')} +${events.length - 2}`);

export function WebhooksPage() {
  const hooks = useLoad(listWebhooks, []);
  const health = useLoad(webhookHealth, []);
  const byId = new Map((health.data?.data ?? []).map((h) => [h.webhook_id, h]));
  return (
    <section>
      <div class="page-head">
        <h1>Webhooks</h1>
        <Allowed permission="webhooks:write">
          <a class="button primary" href="/settings/webhooks/new">
            New Webhook
          </a>
        </Allowed>
      </div>
      <p class="muted">Every event is signed (Standard Webhooks), retried and logged. Receivers dedupe on the webhook-id header.</p>
      <ErrorBox error={hooks.error ?? health.error} />
      {!hooks.data && <Loading />}
      {hooks.data?.data.length === 0 && (
        <Empty title="No webhooks yet">
          <p>Add an HTTPS endpoint to receive clicks, link changes and more as they happen.</p>
          <Allowed permission="webhooks:write">
            <a class="button primary" href="/settings/webhooks/new">
              New Webhook
            </a>
          </Allowed>
        </Empty>
      )}
      {hooks.data && hooks.data.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Last delivery</th>
                <th scope="col" class="num">
                  Success (24 h)
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.data.map((w) => {
                const h = byId.get(w.id);
                const state = webhookState(w);
                const last = h?.last_attempt;
                return (
                  <tr key={w.id}>
                    <td>
                      <a href={`/settings/webhooks/${w.id}`} class="strong">
                        {w.name}
                      </a>
                      <div class="muted mono small truncate">{w.url}</div>
                    </td>
                    <td class="small">{eventsLabel(w.events)}</td>
                    <td>
                      <span class={`badge badge-${state.cls}`}>{state.label}</span>
                    </td>
                    <td class="small">
                      {last ? (
                        <>
                          <span class={`badge badge-${last.status_code !== null && last.status_code < 300 && last.status_code >= 200 ? 'succeeded' : 'failed'}`}>
                            {last.status_code ?? 'error'}
                          </span>{' '}
                          {formatTime(last.started_at)}
                        </>
                      ) : (
                        'Nothing sent yet'
                      )}
                    </td>
                    <td class="num">{h?.success_rate_24h == null ? '—' : `${Math.round(h.success_rate_24h * 1000) / 10} %`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

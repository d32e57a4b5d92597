import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { EventType, Webhook, WebhookFormat } from '../api';
import { eventTypes } from '../api/events';
import { listLinks } from '../api/links';
import { Check, CopyField, ErrorBox, Field, TextField, fieldErrors, useLoad } from '../ui';
import { FormatPicker, ownSecretProblem } from './webhook-format';
import { allowedDestinations, checkFilter, createWebhook } from '../api/webhooks';

/** What Endpoint URL accepts: HTTPS, and the broker prefixes the operator allows (LINKWIRE_DESTINATIONS). */
function urlHint(prefixes: readonly string[] | null): string {
  const https = 'HTTPS; private and loopback addresses are refused.';
  if (!prefixes || prefixes.length === 0) return `${https} No message brokers are enabled on this server.`;
  return `${https} Or a message broker under: ${prefixes.join(', ')}.`;
}

/** Event checkboxes grouped by family (`link.*`, `domain.*`…), each with its description. */
export function EventPicker(props: { value: string[]; onChange: (v: string[]) => void; error?: string | undefined }) {
  const types = useLoad(eventTypes, []);
  const all = props.value.includes('*');
  const families = new Map<string, EventType[]>();
  for (const t of types.data?.data ?? []) {
    const family = t.type.split('.')[0]!;
    families.set(family, [...(families.get(family) ?? []), t]);
  }
  const toggle = (type: string, on: boolean) => props.onChange(on ? [...props.value.filter((v) => v !== '*'), type] : props.value.filter((v) => v !== type));
  return (
    <fieldset class="events" aria-describedby={props.error ? 'events-error' : undefined}>
      <legend>Events</legend>
      <label class="check">
        <input type="checkbox" checked={all} onChange={(e) => props.onChange(e.currentTarget.checked ? ['*'] : [])} />
        <span>
          All events <small class="hint block">Including types added later</small>
        </span>
      </label>
      <ErrorBox error={types.error} />
      {[...families].map(([family, list]) => (
        <fieldset key={family} class="family" disabled={all}>
          <legend>{family}</legend>
          {list.map((t) => (
            <label class="check" key={t.type}>
              <input type="checkbox" checked={all || props.value.includes(t.type)} onChange={(e) => toggle(t.type, e.currentTarget.checked)} />
              <span>
                <span class="mono">{t.type}</span>
                <small class="hint block">{t.description}</small>
              </span>
            </label>
          ))}
        </fieldset>
      ))}
      {props.error && (
        <small id="events-error" class="field-error" role="alert">
          {props.error}
        </small>
      )}
    </fieldset>
  );
}

/** Checks the filter with the server's own parser while one types. */
function useFilterCheck(filter: string): string | null {
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!filter.trim()) {
      setProblem(null);
      return;
    }
    const timer = setTimeout(() => {
      checkFilter(filter).then(
        (r) => setProblem(r.valid ? null : r.message),
        () => setProblem(null),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [filter]);
  return problem;
}

export function SecretOnce(props: { secret: string; children?: ComponentChildren }) {
  return (
    <div class="secret-once" role="status">
      <h2>Signing secret</h2>
      <p>
        <strong>Copy it now: you will not see it again.</strong> Your receiver verifies every delivery with it (any Standard Webhooks library accepts it).
      </p>
      <CopyField label="Signing secret" value={props.secret} secret />
      {props.children}
    </div>
  );
}

export function NewWebhookPage() {
  const { query, route } = useLocation();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['link.clicked']);
  const [linkIds, setLinkIds] = useState<string[]>(query.link_id ? [query.link_id] : []);
  const [filter, setFilter] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('standard');
  const [ownSecret, setOwnSecret] = useState(false);
  const [secret, setSecret] = useState('');
  const [secretProblem, setSecretProblem] = useState<string | null>(null);
  const [timeout, setTimeoutMs] = useState('10000');
  const [retry, setRetry] = useState('exponential');
  const [schedule, setSchedule] = useState('');
  const [headers, setHeaders] = useState<{ name: string; value: string }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Webhook | null>(null);
  const links = useLoad(() => listLinks({}, 100), []);
  const destinations = useLoad(() => allowedDestinations(), []);
  const filterProblem = useFilterCheck(filter);
  const errors = fieldErrors(error);

  async function submit(e: Event) {
    e.preventDefault();
    const problem = ownSecret ? ownSecretProblem(secret) : null;
    setSecretProblem(problem);
    if (problem) return;
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = {
      url: url.trim(),
      events,
      format,
      timeout_ms: Number(timeout),
      retry: retry === 'none' ? { mode: 'none' } : schedule.trim() ? { mode: 'exponential', schedule_s: schedule.split(',').map((s) => Number(s.trim())) } : { mode: 'exponential' },
      headers: Object.fromEntries(headers.filter((h) => h.name.trim()).map((h) => [h.name.trim(), h.value])),
    };
    if (name.trim()) body.name = name.trim();
    if (ownSecret) body.secret = secret;
    if (linkIds.length) body.link_ids = linkIds;
    if (filter.trim()) body.filter = filter.trim();
    try {
      setCreated(await createWebhook(body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (created?.secret) {
    return (
      <section>
        <h1>Webhook “{created.name}” created</h1>
        <SecretOnce secret={created.secret}>
          <a class="button primary" href={`/settings/webhooks/${created.id}`}>
            Done: open the webhook
          </a>
        </SecretOnce>
      </section>
    );
  }

  const shownElsewhere = ['name', 'url', 'events', 'filter', 'timeout_ms', 'headers', 'link_ids', 'retry', 'format', 'secret'];
  // The preview shows the first event chosen (all events: a click, the most common).
  const sampleType = events.find((e) => e !== '*') ?? 'link.clicked';
  return (
    <section>
      <p>
        <a href="/settings/webhooks">← Webhooks</a>
      </p>
      <h1>New Webhook</h1>
      <form class="card" onSubmit={submit} noValidate>
        <TextField label="Name" value={name} onValue={setName} error={errors.name} placeholder="CRM" hint="Optional: defaults to the endpoint's host." />
        <TextField label="Endpoint URL" type="url" value={url} onValue={setUrl} error={errors.url} required placeholder="https://hooks.example.com/linkwire" hint={urlHint(destinations.data)} />
        <EventPicker value={events} onChange={setEvents} error={errors.events} />
        <Field label="Only these links (optional)" error={errors.link_ids} hint="Leave empty for events of the whole workspace.">
          {(id, d) => (
            <select id={id} aria-describedby={d} multiple size={Math.min(6, Math.max(2, links.data?.data.length ?? 2))} onChange={(e) => setLinkIds([...e.currentTarget.selectedOptions].map((o) => o.value))}>
              {(links.data?.data ?? []).map((l) => (
                <option key={l.id} value={l.id} selected={linkIds.includes(l.id)}>
                  {l.title ? `${l.title} (${l.domain}/${l.slug})` : `${l.domain}/${l.slug}`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Filter (optional)" error={errors.filter ?? filterProblem ?? undefined} hint="e.g. data.click.country in [US, CA] and data.click.bot = false">
          {(id, d) => <textarea id={id} aria-describedby={d} aria-invalid={filterProblem ? 'true' : undefined} rows={2} class="mono" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />}
        </Field>
        <FormatPicker value={format} onChange={setFormat} sampleType={sampleType} error={errors.format} />
        <fieldset>
          <legend>Signing secret</legend>
          <Check label="Bring your own secret" checked={ownSecret} onChange={setOwnSecret} hint="Use the secret your receiver already checks (e.g. from another service) instead of a new one." />
          {ownSecret && (
            <TextField
              label="Your secret"
              value={secret}
              onValue={setSecret}
              error={secretProblem ?? errors.secret}
              hint="16–256 printable ASCII characters. Without the whsec_ prefix it is used as raw text for every signature."
              class="mono"
              autocomplete="off"
              spellcheck={false}
            />
          )}
        </fieldset>
        <div class="grid2">
          <TextField label="Timeout (ms)" type="number" min={1000} max={30000} step={500} value={timeout} onValue={setTimeoutMs} error={errors.timeout_ms} hint="1 000 – 30 000" />
          <Field label="Retries" error={errors.retry}>
            {(id) => (
              <select id={id} value={retry} onChange={(e) => setRetry(e.currentTarget.value)}>
                <option value="exponential">Retry: after 5 min, 30 min, 2 h</option>
                <option value="none">No retries (best effort)</option>
              </select>
            )}
          </Field>
          {retry === 'exponential' && <TextField label="Custom schedule (seconds, optional)" value={schedule} onValue={setSchedule} placeholder="60, 600, 3600" />}
        </div>
        <fieldset>
          <legend>Custom headers</legend>
          {headers.map((h, i) => (
            <div class="rule-row" key={i}>
              <label>
                <span>Header name</span>
                <input value={h.name} onInput={(e) => setHeaders(headers.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))} />
              </label>
              <label class="grow">
                <span>Value</span>
                <input value={h.value} onInput={(e) => setHeaders(headers.map((x, j) => (j === i ? { ...x, value: e.currentTarget.value } : x)))} />
              </label>
              <button type="button" class="ghost" onClick={() => setHeaders(headers.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          {errors.headers && <small class="field-error">{errors.headers}</small>}
          <button type="button" onClick={() => setHeaders([...headers, { name: '', value: '' }])}>
            Add header
          </button>
        </fieldset>
        <ErrorBox error={Object.keys(errors).some((k) => shownElsewhere.includes(k)) ? null : error} />
        <div class="actions">
          <button type="button" class="ghost" onClick={() => route('/settings/webhooks')}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || events.length === 0}>
            {busy ? 'Creating…' : 'Create webhook'}
          </button>
        </div>
      </form>
    </section>
  );
}
